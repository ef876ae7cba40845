"""The standard objects of the simulated org, with realistic describe metadata.

Names, types, lengths, precision and scale, labels and flags of Lead, Contact, Account,
Opportunity and OpportunityContactRole follow describes recorded from real orgs (the
CumulusCI project's test cassettes); Campaign, CampaignMember, User and Organization follow
the same conventions. A few custom fields per main object (``__c``) exercise what real
orgs add: a double, a picklist, an external id, a formula, a location and a base64 field.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Mapping

from .schema import FieldDef, ObjectDef, Schema

SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
LEAD_STATUSES = (
    "Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted",
)
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Finance", "Healthcare", "Insurance", "Manufacturing", "Media",
    "Retail", "Technology", "Transportation", "Utilities", "Other",
)
RATINGS = ("Hot", "Warm", "Cold")
ACCOUNT_TYPES = (
    "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
    "Installation Partner", "Technology Partner", "Other",
)
OPPORTUNITY_STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
)
OPPORTUNITY_TYPES = ("Existing Customer - Upgrade", "Existing Customer - Replacement", "New Customer")
CONTACT_ROLES = (
    "Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker", "Evaluator",
    "Executive Sponsor", "Influencer", "Technical Buyer", "Other",
)
CAMPAIGN_TYPES = (
    "Conference", "Webinar", "Trade Show", "Partners", "Advertisement", "Email", "Direct Mail", "Other",
)
CAMPAIGN_STATUSES = ("Planned", "In Progress", "Completed", "Aborted")
MEMBER_STATUSES = ("Planned", "Sent", "Received", "Responded")
CHANNELS = ("Email", "Phone", "SMS", "In person")
TIERS = ("Platinum", "Gold", "Silver", "Bronze")
REGIONS = ("AMER", "EMEA", "APAC", "LATAM")
TIME_ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Paris", "Asia/Tokyo")
# Activities (Task, Event): values of a standard org.
ACTIVITY_SUBJECTS = ("Call", "Email", "Meeting", "Send Letter/Quote", "Other")
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
TASK_CLOSED_STATUSES = frozenset({"Completed"})
TASK_PRIORITIES = ("High", "Normal", "Low")
TASK_SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call")
CALL_TYPES = ("Internal", "Inbound", "Outbound")
SHOW_AS = ("Busy", "OutOfOffice", "Free")


_CENTS = Decimal("0.01")


def _id(label: str) -> FieldDef:
    return FieldDef("Id", "id", label=label, length=18, nillable=False, createable=False,
                    updateable=False, defaulted_on_create=True)


def _string(name: str, length: int, **kw: Any) -> FieldDef:
    return FieldDef(name, "string", length=length, **kw)


def _flag(name: str, **kw: Any) -> FieldDef:
    # Checkboxes are never null: they default to false on create.
    return FieldDef(name, "boolean", nillable=False, defaulted_on_create=True, **kw)


def _reference(name: str, target: str | tuple[str, ...], relationship: str, **kw: Any) -> FieldDef:
    # A polymorphic reference (an activity's WhoId) names its targets: a tuple, or ``reference_to``.
    targets = kw.pop("reference_to", None) or ((target,) if isinstance(target, str) else target)
    return FieldDef(name, "reference", length=18, reference_to=tuple(targets), relationship_name=relationship,
                    **kw)


def _picklist(name: str, values: tuple[str, ...], *, length: int = 40, **kw: Any) -> FieldDef:
    # Most standard picklists are 40 long, some (Lead.Status, StageName) and custom ones 255.
    return FieldDef(name, "picklist", length=255 if kw.get("custom") else length, picklist_values=values, **kw)


def _money(name: str, scale: int = 2, **kw: Any) -> FieldDef:
    return FieldDef(name, "currency", precision=18, scale=scale, **kw)


def _last_activity() -> FieldDef:
    return FieldDef("LastActivityDate", "date", createable=False, updateable=False, label="Last Activity")


def _owner() -> FieldDef:
    return _reference("OwnerId", "User", "Owner", nillable=False, defaulted_on_create=True, label="Owner ID")


def _system(*, deletable: bool = True) -> list[FieldDef]:
    audit: dict[str, Any] = dict(createable=False, updateable=False, nillable=False, defaulted_on_create=True)
    fields = [
        _flag("IsDeleted", label="Deleted", createable=False, updateable=False),
        FieldDef("CreatedDate", "datetime", **audit),
        _reference("CreatedById", "User", "CreatedBy", label="Created By ID", **audit),
        FieldDef("LastModifiedDate", "datetime", **audit),
        _reference("LastModifiedById", "User", "LastModifiedBy", label="Last Modified By ID", **audit),
        FieldDef("SystemModstamp", "datetime", label="System Modstamp", **audit),
    ]
    return fields if deletable else fields[1:]


def _person_name(*, required_last: bool = True) -> list[FieldDef]:
    return [
        _string("LastName", 80, nillable=not required_last, compound_field_name="Name"),
        _string("FirstName", 40, compound_field_name="Name"),
        _picklist("Salutation", SALUTATIONS, compound_field_name="Name"),
        _string("Name", 121, label="Full Name", nillable=False, createable=False, updateable=False,
                name_field=True),
    ]


def _address(prefix: str) -> list[FieldDef]:
    """The components of a compound address, then the address itself (describe order)."""
    compound = f"{prefix}Address"
    said = f"{prefix} " if prefix else ""
    parts = [
        FieldDef(f"{prefix}Street", "textarea", length=255, compound_field_name=compound),
        _string(f"{prefix}City", 40, compound_field_name=compound),
        _string(f"{prefix}State", 80, compound_field_name=compound, label=f"{said}State/Province"),
        _string(f"{prefix}PostalCode", 20, compound_field_name=compound, label=f"{said}Zip/Postal Code"),
        _string(f"{prefix}Country", 80, compound_field_name=compound),
        FieldDef(f"{prefix}Latitude", "double", precision=18, scale=15, compound_field_name=compound),
        FieldDef(f"{prefix}Longitude", "double", precision=18, scale=15, compound_field_name=compound),
        _picklist(f"{prefix}GeocodeAccuracy", ("Address", "NearAddress", "Block", "Street", "ExtendedZip",
                                               "Zip", "City", "County", "State", "Unknown"),
                  compound_field_name=compound),
    ]
    return [*parts, FieldDef(compound, "address", createable=False, updateable=False)]


def _description(label: str = "Description") -> FieldDef:
    return FieldDef("Description", "textarea", length=32000, label=label)


def _revenue_eur(org: Any, record: Mapping[str, Any]) -> Decimal | None:
    # Reads an org-level input (like a custom setting): changing the rate changes every
    # Lead's value while no Lead's SystemModstamp moves.
    revenue, rate = record.get("AnnualRevenue"), org.formula_inputs.get("EUR_Rate__c")
    if revenue is None or rate is None:
        return None
    return (Decimal(revenue) * Decimal(repr(rate) if isinstance(rate, float) else rate)).quantize(
        _CENTS, rounding=ROUND_HALF_UP)


def _account_name(org: Any, record: Mapping[str, Any]) -> str | None:
    # A cross-object formula: it changes when the Account is renamed, while the
    # Contact's SystemModstamp stays put (what real formula fields do).
    account_id = record.get("AccountId")
    return org.peek_value("Account", account_id, "Name") if account_id else None


def _activity_start() -> list[FieldDef]:
    """The fields Task and Event begin with, as a real org's describe of Event lists them."""
    return [
        _id("Activity ID"), _reference("WhoId", "Contact", "Who", label="Name ID", reference_to=("Contact", "Lead")),
        # Real orgs list dozens of targets; these are the ones this org has.
        _reference("WhatId", "Account", "What", label="Related To ID",
                   reference_to=("Account", "Campaign", "Opportunity")),
        FieldDef("Subject", "combobox", length=255, picklist_values=ACTIVITY_SUBJECTS),
    ]


def _activity_end() -> list[FieldDef]:
    """System fields of an activity, then ``IsArchived``: set by Salesforce's archival
    process, never by a user (``query`` leaves archived rows out, ``queryAll`` has them)."""
    return [*_system(), _flag("IsArchived", label="Archived", createable=False, updateable=False)]


def _object(name: str, prefix: str, fields: list[FieldDef], *, plural: str | None = None,
            label: str | None = None, **flags: Any) -> ObjectDef:
    return ObjectDef(name=name, label=label or name, label_plural=plural or f"{label or name}s",
                     key_prefix=prefix, fields={fld.name: fld for fld in fields}, **flags)


def default_schema() -> Schema:
    """A fresh copy of the standard objects, alphabetically like the global describe."""
    lead = _object("Lead", "00Q", [
        _id("Lead ID"), *_system()[:1], *_person_name(), _string("Title", 128),
        _string("Company", 255, nillable=False),
        *_address(""), FieldDef("Phone", "phone", length=40), FieldDef("MobilePhone", "phone", length=40),
        FieldDef("Email", "email", length=80), FieldDef("Website", "url", length=255), _description(),
        _picklist("LeadSource", LEAD_SOURCES, length=255),
        _picklist("Status", LEAD_STATUSES, length=255, nillable=False, defaulted_on_create=True),
        _picklist("Industry", INDUSTRIES, length=255), _picklist("Rating", RATINGS, length=255),
        _money("AnnualRevenue", scale=0), FieldDef("NumberOfEmployees", "int", digits=8, label="Employees"),
        _reference("OwnerId", ("Group", "User"), "Owner", nillable=False,
                   defaulted_on_create=True, label="Owner ID"),
        _flag("HasOptedOutOfEmail", label="Email Opt Out"),
        _flag("IsConverted", label="Converted", updateable=False),
        FieldDef("ConvertedDate", "date", createable=False, updateable=False),
        _reference("ConvertedAccountId", "Account", "ConvertedAccount", createable=False, updateable=False,
                   label="Converted Account ID"),
        _reference("ConvertedContactId", "Contact", "ConvertedContact", createable=False, updateable=False,
                   label="Converted Contact ID"),
        *_system()[1:], _last_activity(),
        FieldDef("Custom_Score__c", "double", precision=18, scale=2, custom=True, label="Score"),
        _money("Revenue_EUR__c", custom=True, calculated=True, createable=False, updateable=False,
               label="Annual Revenue (EUR)", formula=_revenue_eur),
    ])
    contact = _object("Contact", "003", [
        _id("Contact ID"), *_system()[:1], _reference("AccountId", "Account", "Account", label="Account ID"),
        *_person_name(), *_address("Other"), *_address("Mailing"),
        FieldDef("Phone", "phone", length=40, label="Business Phone"),
        FieldDef("Fax", "phone", length=40, label="Business Fax"), FieldDef("MobilePhone", "phone", length=40),
        FieldDef("HomePhone", "phone", length=40), FieldDef("OtherPhone", "phone", length=40),
        FieldDef("AssistantPhone", "phone", length=40, label="Asst. Phone"),
        _reference("ReportsToId", "Contact", "ReportsTo", label="Reports To ID"),
        FieldDef("Email", "email", length=80), _string("Title", 128), _string("Department", 80),
        _string("AssistantName", 40, label="Assistant's Name"), _picklist("LeadSource", LEAD_SOURCES, length=255),
        FieldDef("Birthdate", "date"), _description("Contact Description"), _owner(),
        _flag("HasOptedOutOfEmail", label="Email Opt Out"), _flag("DoNotCall"),
        *_system()[1:], _last_activity(),
        _picklist("Preferred_Channel__c", CHANNELS, custom=True, label="Preferred Channel"),
        FieldDef("Photo__c", "base64", length=32000000, custom=True, label="Photo"),
        FieldDef("Account_Name__c", "string", length=1300, custom=True, calculated=True, createable=False,
                 updateable=False, label="Account Name", formula=_account_name),
    ])
    account = _object("Account", "001", [
        _id("Account ID"), *_system()[:1],
        _string("Name", 255, nillable=False, name_field=True, label="Account Name", compound_field_name="Name"),
        _picklist("Type", ACCOUNT_TYPES, label="Account Type"),
        _reference("ParentId", "Account", "Parent", label="Parent Account ID"),
        *_address("Billing"), *_address("Shipping"), FieldDef("Phone", "phone", length=40, label="Account Phone"),
        FieldDef("Fax", "phone", length=40, label="Account Fax"),
        _string("AccountNumber", 40, label="Account Number"), FieldDef("Website", "url", length=255),
        _string("Sic", 20, label="SIC Code"), _picklist("Industry", INDUSTRIES), _money("AnnualRevenue", scale=0),
        FieldDef("NumberOfEmployees", "int", digits=8, label="Employees"),
        _string("TickerSymbol", 20), _description("Account Description"),
        _picklist("Rating", RATINGS, label="Account Rating"), _string("Site", 80, label="Account Site"), _owner(),
        *_system()[1:], _last_activity(),
        _picklist("Tier__c", TIERS, custom=True, label="Tier"),
        FieldDef("Headquarters__Latitude__s", "double", precision=18, scale=15, custom=True,
                 compound_field_name="Headquarters__c", label="Headquarters (Latitude)"),
        FieldDef("Headquarters__Longitude__s", "double", precision=18, scale=15, custom=True,
                 compound_field_name="Headquarters__c", label="Headquarters (Longitude)"),
        FieldDef("Headquarters__c", "location", custom=True, createable=False, updateable=False),
        _string("External_Key__c", 40, custom=True, unique=True, external_id=True, label="External Key"),
    ])
    opportunity = _object("Opportunity", "006", [
        _id("Opportunity ID"), *_system()[:1], _reference("AccountId", "Account", "Account", label="Account ID"),
        _flag("IsPrivate", label="Private"),
        _string("Name", 120, nillable=False, name_field=True), _description(),
        _picklist("StageName", OPPORTUNITY_STAGES, length=255, nillable=False, label="Stage"),
        _money("Amount"),
        FieldDef("Probability", "percent", precision=3, scale=0, defaulted_on_create=True, label="Probability (%)"),
        # Not a formula in the describe: Salesforce computes it when the record is saved.
        _money("ExpectedRevenue", createable=False, updateable=False, label="Expected Amount"),
        FieldDef("TotalOpportunityQuantity", "double", precision=18, scale=2, label="Quantity"),
        FieldDef("CloseDate", "date", nillable=False),
        _picklist("Type", OPPORTUNITY_TYPES, length=255, label="Opportunity Type"),
        _string("NextStep", 255), _picklist("LeadSource", LEAD_SOURCES, length=255),
        _flag("IsClosed", label="Closed", createable=False, updateable=False),
        _flag("IsWon", label="Won", createable=False, updateable=False),
        _reference("CampaignId", "Campaign", "Campaign", label="Campaign ID"), _owner(), *_system()[1:],
        _last_activity(),
        FieldDef("FiscalQuarter", "int", digits=8, createable=False, updateable=False, compound_field_name="Fiscal"),
        FieldDef("FiscalYear", "int", digits=8, createable=False, updateable=False, compound_field_name="Fiscal"),
        _string("Fiscal", 6, createable=False, updateable=False, label="Fiscal Period"),
        FieldDef("Forecast_Notes__c", "textarea", length=255, custom=True, label="Forecast Notes"),
    ], plural="Opportunities")
    contact_role = _object("OpportunityContactRole", "00K", [
        _id("Contact Role ID"),
        _reference("OpportunityId", "Opportunity", "Opportunity", nillable=False, updateable=False,
                   label="Opportunity ID"),
        _reference("ContactId", "Contact", "Contact", nillable=False, label="Contact ID"),
        _picklist("Role", CONTACT_ROLES), _flag("IsPrimary", label="Primary"), *_system()[1:], *_system()[:1],
    ], label="Opportunity Contact Role")
    campaign = _object("Campaign", "701", [
        _id("Campaign ID"), *_system()[:1], _string("Name", 80, nillable=False, name_field=True),
        _reference("ParentId", "Campaign", "Parent", label="Parent Campaign ID"),
        _picklist("Type", CAMPAIGN_TYPES), _picklist("Status", CAMPAIGN_STATUSES),
        FieldDef("StartDate", "date"), FieldDef("EndDate", "date"),
        _money("ExpectedRevenue", scale=0, label="Expected Revenue in Campaign"),
        _money("BudgetedCost", scale=0), _money("ActualCost", scale=0),
        FieldDef("ExpectedResponse", "percent", precision=10, scale=2, label="Expected Response (%)"),
        FieldDef("NumberSent", "double", precision=18, scale=0, label="Num Sent in Campaign"),
        _flag("IsActive", label="Active"), _description(), _owner(), *_system()[1:],
        _picklist("Region__c", REGIONS, custom=True, label="Region"),
    ])
    member = _object("CampaignMember", "00v", [
        _id("Campaign Member ID"), *_system()[:1],
        _reference("CampaignId", "Campaign", "Campaign", nillable=False, updateable=False),
        _reference("LeadId", "Lead", "Lead", updateable=False),
        _reference("ContactId", "Contact", "Contact", updateable=False),
        _picklist("Status", MEMBER_STATUSES),
        _flag("HasResponded", label="Responded", createable=False, updateable=False),
        FieldDef("FirstRespondedDate", "date", createable=False, updateable=False), *_system()[1:],
    ], label="Campaign Member")
    user = _object("User", "005", [
        _id("User ID"), _string("Username", 80, nillable=False, unique=True), *_person_name()[:2],
        _string("Name", 121, label="Full Name", createable=False, updateable=False, name_field=True),
        _string("CompanyName", 80), _string("Department", 80), _string("Title", 80),
        FieldDef("Email", "email", length=128, nillable=False), FieldDef("Phone", "phone", length=40),
        _string("Alias", 8, nillable=False), _flag("IsActive", label="Active"),
        _picklist("TimeZoneSidKey", TIME_ZONES, nillable=False, label="Time Zone"),
        _picklist("UserType", ("Standard", "PowerPartner", "CsnOnly", "Guest"), createable=False,
                  updateable=False),
        _reference("ManagerId", "User", "Manager"), *_system(deletable=False),
        FieldDef("LastLoginDate", "datetime", createable=False, updateable=False),
    ], deletable=False)
    task = _object("Task", "00T", [
        *_activity_start(), FieldDef("ActivityDate", "date", label="Due Date Only"),
        _picklist("Status", TASK_STATUSES, nillable=False, defaulted_on_create=True),
        _picklist("Priority", TASK_PRIORITIES, nillable=False, defaulted_on_create=True),
        _flag("IsHighPriority", label="High Priority", createable=False, updateable=False),
        _reference("OwnerId", "User", "Owner", nillable=False, defaulted_on_create=True, label="Assigned To ID"),
        _description(), _reference("AccountId", "Account", "Account", createable=False, updateable=False),
        _flag("IsClosed", label="Closed", createable=False, updateable=False),
        FieldDef("CallDurationInSeconds", "int", digits=9, label="Call Duration"),
        _picklist("CallType", CALL_TYPES), _flag("IsReminderSet", label="Reminder Set"),
        FieldDef("ReminderDateTime", "datetime", label="Reminder Date/Time"),
        _picklist("TaskSubtype", TASK_SUBTYPES, updateable=False),
        FieldDef("CompletedDateTime", "datetime", createable=False, updateable=False),
        *_activity_end(),
    ])
    event = _object("Event", "00U", [
        *_activity_start(), _string("Location", 255), _flag("IsAllDayEvent", label="All-Day Event"),
        FieldDef("ActivityDateTime", "datetime", label="Due Date Time"),
        FieldDef("ActivityDate", "date", label="Due Date Only"),
        FieldDef("DurationInMinutes", "int", label="Duration"), FieldDef("StartDateTime", "datetime"),
        FieldDef("EndDateTime", "datetime"), FieldDef("EndDate", "date", createable=False, updateable=False),
        _description(), _reference("AccountId", "Account", "Account", createable=False, updateable=False),
        _reference("OwnerId", "User", "Owner", nillable=False, defaulted_on_create=True, label="Assigned To ID"),
        _flag("IsPrivate", label="Private"), _picklist("ShowAs", SHOW_AS, label="Show Time As"),
        _flag("IsChild", label="Is Child", createable=False, updateable=False),
        _flag("IsGroupEvent", label="Group Event", createable=False, updateable=False),
        _flag("IsReminderSet", label="Reminder Set"), FieldDef("ReminderDateTime", "datetime"),
        _picklist("EventSubtype", ("Event",), updateable=False), *_activity_end(),
    ])
    organization = _object("Organization", "00D", [
        _id("Organization ID"), _string("Name", 80, nillable=False, name_field=True), _string("Division", 80),
        *_address(""),
        FieldDef("Phone", "phone", length=40), _string("PrimaryContact", 80),
        _picklist("OrganizationType", ("Developer Edition", "Enterprise Edition", "Unlimited Edition",
                                       "Professional Edition"), createable=False, updateable=False,
                  label="Edition"),
        _flag("IsSandbox", createable=False, updateable=False),
        _string("InstanceName", 5, createable=False, updateable=False),
        FieldDef("TrialExpirationDate", "datetime", createable=False, updateable=False),
        *_system(deletable=False),
    ], replicateable=False, createable=False, deletable=False)
    return Schema([account, campaign, member, contact, event, lead, opportunity, contact_role, organization,
                   task, user])


# Default synced objects of syncbot (contract.md): all present in the default schema.
SYNCED_OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "OpportunityContactRole", "Campaign",
                  "CampaignMember", "User")


def derive(object_name: str, record: dict[str, Any]) -> None:
    """Fill in the fields Salesforce computes on save (stored, unlike formulas)."""
    derive_fields = deriver(object_name)
    if derive_fields is not None:
        derive_fields(record)


def deriver(object_name: str) -> Callable[[dict[str, Any]], None] | None:
    """The function filling in an object's fields computed on save, or None if it has none."""
    return _DERIVERS.get(object_name)


def _full_name(record: dict[str, Any]) -> None:
    if "FirstName" in record or "LastName" in record:
        first, last = record.get("FirstName"), record.get("LastName")
        record["Name"] = f"{first} {last}" if first and last else (first or last)


def _opportunity_on_save(record: dict[str, Any]) -> None:
    if "StageName" in record:
        stage = record["StageName"]
        record["IsClosed"] = stage in ("Closed Won", "Closed Lost")
        record["IsWon"] = stage == "Closed Won"
    amount, probability = record.get("Amount"), record.get("Probability")
    # Adding 0 turns a "-0.00" into "0.00", as Salesforce keeps it.
    record["ExpectedRevenue"] = None if amount is None or probability is None else (
        amount * probability / 100).quantize(_CENTS, rounding=ROUND_HALF_UP) + 0
    close = record.get("CloseDate")
    if close is not None:  # the standard fiscal year, which starts in January
        quarter = (close.month - 1) // 3 + 1
        record.update(FiscalYear=close.year, FiscalQuarter=quarter, Fiscal=f"{close.year} {quarter}")


def _responded(record: dict[str, Any]) -> None:
    if "Status" in record:
        record["HasResponded"] = record["Status"] == "Responded"


def _task_flags(record: dict[str, Any]) -> None:
    # Status and Priority default on create (the first values of a standard org).
    status = record.setdefault("Status", TASK_STATUSES[0])
    record["IsClosed"] = status in TASK_CLOSED_STATUSES
    record["IsHighPriority"] = record.setdefault("Priority", "Normal") == "High"


def _event_times(record: dict[str, Any]) -> None:
    # An event's activity date-time is its start; its end follows from the duration.
    start = record.get("StartDateTime")
    if start is None:
        return
    record["ActivityDateTime"], record["ActivityDate"] = start, start.date()
    if record.get("DurationInMinutes") is not None:
        end = start + timedelta(minutes=int(record["DurationInMinutes"]))
        record["EndDateTime"], record["EndDate"] = end, end.date()


_DERIVERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "Lead": _full_name, "Contact": _full_name, "User": _full_name, "Opportunity": _opportunity_on_save,
    "CampaignMember": _responded, "Task": _task_flags, "Event": _event_times,
}
