"""The deterministic demo dataset, and fast generation of many plausible records.

``build_demo_org()`` gives the ready "Acme Corp" org with its sync user; the same
``seed`` and ``size`` always give the same records, ids and links (timestamps are
laid out backwards from the clock's "now", so freeze the clock for identical ones).
``build_large_demo_org()`` is the bigger org of ``syncbot demo``: about 15,000 records,
with duplicate people entered the ways they really are.
A few percent of the values are as messy as real data (see :mod:`messy`): accents,
apostrophes, quotes, commas, emoji, embedded newlines, long text, stray spaces.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Callable

from . import activities, catalog, messy
from .clock import ONE_MILLISECOND, SimClock, utc_millis
from .numbers import edge_row
from .org import DEFAULT_API_DAILY_MAX, ORG_CREATED, SimulatedOrg

DEFAULT_USERNAME = "sync@acme.example"
DEFAULT_PASSWORD = "Sync-Passw0rd!"
DEFAULT_SECURITY_TOKEN = "aBcD1234eFgH5678iJkL9012"
DEFAULT_SIZE = 40  # Accounts; everything else scales from it (about 600 records).
# The demo's org: 1,000 Accounts, 3,000 Contacts, about 3,700 Leads, 1,500 Opportunities, 200 Campaigns.
DEMO_SIZE = 1_000
# People typed in again with their email changed the way people change it (case, spaces).
DEMO_RETYPED_PEOPLE = 30

FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jack", "Kira", "Liam",
    "Maya", "Noah", "Olivia", "Pablo", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will", "Xena",
    "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri", "Elena", "Farid", "Greta", "Hana", "Ivan",
)
LAST_NAMES = (
    "Adams", "Becker", "Castillo", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "O'Brien", "Patel", "Quispe", "Rossi", "Schmidt",
    "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Young", "Zimmermann", "Novak", "Silva", "Okafor",
)
COMPANY_WORDS = (
    "Acorn", "Blue Harbor", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Horizon", "Ironwood",
    "Juniper", "Keystone", "Lighthouse", "Maple", "Northwind", "Orbit", "Pinnacle", "Quartz", "Redwood",
    "Summit", "Tidewater", "Unity", "Vertex", "Willow", "Zenith",
)
COMPANY_SUFFIXES = (
    "Labs", "Systems", "Logistics", "Foods", "Health", "Energy", "Partners", "Retail", "Media",
)
CITIES = (  # city, state, postal code, country, latitude, longitude
    ("San Francisco", "CA", "94105", "US", 37.7897, -122.3972),
    ("New York", "NY", "10001", "US", 40.7506, -73.9972),
    ("Austin", "TX", "78701", "US", 30.2711, -97.7437),
    ("Chicago", "IL", "60601", "US", 41.8858, -87.6181),
    ("London", None, "EC2A 4NE", "GB", 51.5226, -0.0813),
    ("Paris", None, "75002", "FR", 48.8686, 2.3417),
    ("Berlin", None, "10115", "DE", 52.5323, 13.3846),
    ("Tokyo", None, "100-0005", "JP", 35.6812, 139.7671),
    ("Boston", "MA", "02108", "US", 42.3588, -71.0578),  # a postal code with a leading zero
)
STAGE_PROBABILITY = {
    "Prospecting": 10, "Qualification": 10, "Needs Analysis": 20, "Value Proposition": 50,
    "Id. Decision Makers": 60, "Perception Analysis": 70, "Proposal/Price Quote": 75,
    "Negotiation/Review": 90, "Closed Won": 100, "Closed Lost": 0,
}
# A tiny PNG header: enough for a base64 field to carry binary data.
PHOTO_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"

Row = dict[str, Any]


def build_demo_org(
    name: str = "Acme Corp",
    *,
    seed: int = 0,
    size: int = DEFAULT_SIZE,
    org_number: int = 1,
    is_sandbox: bool = False,
    instance_host: str | None = None,
    username: str = DEFAULT_USERNAME,
    password: str = DEFAULT_PASSWORD,
    security_token: str = DEFAULT_SECURITY_TOKEN,
    api_daily_max: int = DEFAULT_API_DAILY_MAX,
    clock: SimClock | None = None,
) -> SimulatedOrg:
    """An org with its sync user and the seeded demo dataset (``size=0``: no records)."""
    org = SimulatedOrg(name, org_number=org_number, is_sandbox=is_sandbox, instance_host=instance_host,
                       api_daily_max=api_daily_max, clock=clock)
    # The integration user has existed for long: the org's first change in a test is stamped "now".
    org.add_user(username, password, security_token, first_name="Sync", last_name="Integration",
                 created=ORG_CREATED)
    if size > 0:
        seed_demo_data(org, seed=seed, size=size)
    return org


def build_large_demo_org(*, seed: int = 0, clock: SimClock | None = None) -> SimulatedOrg:
    """The org of ``syncbot demo``: the demo dataset at :data:`DEMO_SIZE`, plus people
    entered twice with their email in other case or with stray spaces."""
    org = build_demo_org(seed=seed, size=DEMO_SIZE, clock=clock)
    add_retyped_people(org, DEMO_RETYPED_PEOPLE, seed=seed)
    return org


def add_retyped_people(org: SimulatedOrg, count: int, *, seed: int = 0) -> list[str]:
    """Insert ``count`` Leads for people already in the org, as a rep would type them in
    again: the same name, the email in other case or with spaces around it. Most copy a
    Contact, every fourth a Lead (the same lead entered twice). Returns the new Leads' ids."""
    rng = random.Random(seed)
    history = _History(rng, org.clock.now())
    owners = org.ids("User")
    contacts, leads = org.ids("Contact"), org.ids("Lead")
    rows = []
    for n in range(count):
        object_name, pool = ("Lead", leads) if n % 4 == 3 else ("Contact", contacts)
        if not pool:
            continue
        original = org.get(object_name, rng.choice(pool))
        if not original.get("Email"):
            continue
        row = _lead_row(rng, len(leads) + n)
        row.update(FirstName=original.get("FirstName"), LastName=original["LastName"],
                   Email=_retyped(original["Email"], n))
        rows.append(history.stamp(row, owners))
    return org.insert_many("Lead", rows)


def _retyped(email: str, n: int) -> str:
    """An email as someone typed it again: capitalised, in capitals, or with spaces around."""
    local, _, domain = email.partition("@")
    variants = (f"{local.title()}@{domain}", email.upper(), f" {email}", f"{email}  ", f" {email.upper()} ")
    return variants[n % len(variants)]


def seed_demo_data(org: SimulatedOrg, *, seed: int = 0, size: int = DEFAULT_SIZE) -> None:
    """Fill ``org`` with linked demo records: reps, Accounts with Contacts and Opportunities,
    contact roles, Campaigns with members, and Leads (a few sharing a Contact's email)."""
    rng = random.Random(seed)
    now = org.clock.now()
    history = _History(rng, now)
    reps = org.insert_many("User", [history.stamp(_user_row(rng, i, org.name)) for i in range(4)])
    owners = [org.default_owner_id or reps[0], *reps]
    accounts = org.insert_many("Account", [history.stamp(_account_row(rng, i), owners) for i in range(size)])
    contacts: list[tuple[str, str, Row]] = []  # (id, account id, row)
    for account_id in accounts:
        domain = _domain(org.peek_value("Account", account_id, "Name"))
        rows = [history.stamp(_contact_row(rng, len(contacts) + k, account_id, domain), owners)
                for k in range(3)]
        contacts += [(cid, account_id, row) for cid, row in zip(org.insert_many("Contact", rows), rows)]
    opportunities: list[tuple[str, str]] = []
    for i in range(size * 3 // 2):
        account_id = accounts[i % size]
        row = _opportunity_row(rng, i, org.peek_value("Account", account_id, "Name"), account_id)
        opportunities.append((org.create("Opportunity", history.stamp(row, owners)), account_id))
    roles = []
    for opportunity_id, account_id in opportunities:
        account_contacts = [cid for cid, aid, _ in contacts if aid == account_id]
        picked = rng.sample(account_contacts, k=min(len(account_contacts), rng.choice((1, 2))))
        for rank, contact_id in enumerate(picked):
            roles.append(history.stamp({"OpportunityId": opportunity_id, "ContactId": contact_id,
                                        "Role": rng.choice(catalog.CONTACT_ROLES), "IsPrimary": rank == 0}))
    org.insert_many("OpportunityContactRole", roles)
    campaigns = org.insert_many(
        "Campaign", [history.stamp(_campaign_row(rng, i, now), owners) for i in range(max(4, size // 5))])
    lead_rows = [history.stamp(_lead_row(rng, i), owners) for i in range(size * 7 // 2)]
    for k, (_, _, contact) in enumerate(contacts[: max(2, size // 6) * 7 : 7]):
        # The same person as a Lead and a Contact; one with the email in other case.
        twin = _lead_row(rng, len(lead_rows))
        email = contact["Email"].upper() if k == 1 else contact["Email"]
        twin.update(FirstName=contact["FirstName"], LastName=contact["LastName"], Email=email)
        lead_rows.append(history.stamp(twin, owners))
    leads = org.insert_many("Lead", lead_rows)
    people: list[tuple[str, str]] = [("LeadId", lid) for lid in leads] + [("ContactId", cid) for cid, _, _ in contacts]
    members = []
    for campaign_id in campaigns:
        for key, person_id in rng.sample(people, k=min(len(people), size * 3 // len(campaigns))):
            members.append(history.stamp({"CampaignId": campaign_id, key: person_id,
                                          "Status": rng.choice(catalog.MEMBER_STATUSES)}))
    org.insert_many("CampaignMember", members)


def generate_records(org: SimulatedOrg, object_name: str, count: int, *, seed: int | None = None,
                     spread: timedelta | None = None, edge_numbers: bool = False, **fixed: Any) -> list[str]:
    """Insert ``count`` plausible records of one object and return their ids.

    References point at existing records (a Contact gets an existing Account, a
    CampaignMember an existing Campaign and Lead). ``fixed`` values are set on every
    record. Each row gets its own stamp, increasing in row order: fresh ones from the
    org (the clock's "now" and 1 ms steps after it), or, with ``spread``, laid out
    evenly over the ``spread`` before "now" (oldest first, still distinct). Giving
    ``SystemModstamp=`` (and the other audit fields) in ``fixed`` makes rows share one.
    ``edge_numbers`` gives the number fields values at the corners of their range
    (:func:`numbers.edge_row`): the largest, negative, tiny, seventeen digits.
    """
    obj = org.object(object_name)
    rng = random.Random(seed if seed is not None else org.count(obj.name, include_deleted=True))
    factory = _FACTORIES.get(obj.name)
    parents = _Parents(org, rng)
    now = org.clock.now()
    start = org.count(obj.name, include_deleted=True)
    rows = []
    previous: datetime | None = None
    for i in range(count):
        row = factory(rng, start + i, parents) if factory else _generic_row(obj.name, start + i)
        if edge_numbers:
            row.update(edge_row(obj, i))
        if spread is not None:
            moment = utc_millis(now - spread + spread * ((i + 1) / count))
            if previous is not None and moment <= previous:  # more rows than milliseconds
                moment = previous + ONE_MILLISECOND
            previous = moment
            row.update(CreatedDate=moment, LastModifiedDate=moment, SystemModstamp=moment)
        row.update(fixed)
        rows.append(row)
    return org.insert_many(obj.name, rows)


def simulate_activity(org: SimulatedOrg, *, seed: int = 0, creates: int = 3, updates: int = 5,
                      deletes: int = 1) -> dict[str, list[str]]:
    """A burst of everyday changes between two sync cycles (for the demo and tests).

    Creates Leads, edits Contacts and Opportunities (each change gets a fresh
    ``SystemModstamp``: the clock's "now", or just after the previous change) and
    deletes Leads. Returns the ids touched, by kind of change.
    """
    rng = random.Random(seed)
    created = generate_records(org, "Lead", creates, seed=rng.randrange(1 << 30)) if creates else []
    updated: list[str] = []
    for object_name, change in (("Contact", _retitle), ("Opportunity", _advance_stage)):
        candidates = org.ids(object_name)
        for record_id in rng.sample(candidates, k=min(len(candidates), (updates + 1) // 2)):
            org.update(object_name, record_id, change(rng, org.get(object_name, record_id)))
            updated.append(record_id)
            if len(updated) == updates:
                break
    victims = [lead for lead in org.ids("Lead") if lead not in created]
    deleted = rng.sample(victims, k=min(len(victims), deletes))
    for record_id in deleted:
        org.delete("Lead", record_id)
    return {"created": created, "updated": updated, "deleted": deleted}


def _retitle(rng: random.Random, record: Row) -> Row:
    return {"Title": rng.choice(("CEO", "CFO", "Head of Marketing", "Procurement Lead")),
            "Phone": _phone(rng)}


def _advance_stage(rng: random.Random, record: Row) -> Row:
    stages = catalog.OPPORTUNITY_STAGES
    stage = stages[min(stages.index(record.get("StageName", stages[0])) + 1, len(stages) - 2)]
    return {"StageName": stage, "Probability": float(STAGE_PROBABILITY[stage])}


class _History:
    """Deterministic created/modified timestamps over the year before ``now``."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now

    def stamp(self, row: Row, owners: list[str] | None = None) -> Row:
        created = self.now - timedelta(seconds=self.rng.randint(3600, 365 * 86400))
        modified = created + (self.now - created) * self.rng.random()
        row.update(CreatedDate=utc_millis(created), LastModifiedDate=utc_millis(modified),
                   SystemModstamp=utc_millis(modified))
        if owners:
            row["OwnerId"] = self.rng.choice(owners)
        return row


class _Parents:
    """Lazily loaded ids of live records, to point generated references at."""

    def __init__(self, org: SimulatedOrg, rng: random.Random) -> None:
        self.org, self.rng = org, rng
        self._ids: dict[str, list[str]] = {}

    def pick(self, object_name: str, *, required: bool = True) -> str | None:
        if object_name not in self._ids:
            self._ids[object_name] = self.org.ids(object_name)
        ids = self._ids[object_name]
        if not ids:
            if required:
                raise ValueError(f"generate needs existing {object_name} records to link to")
            return None
        return self.rng.choice(ids)


def _person(rng: random.Random, n: int) -> tuple[str, str]:
    first, last = messy.person(rng, FIRST_NAMES, LAST_NAMES)
    return first, messy.padded(rng, last, 80)


def _domain(company: str) -> str:
    name = messy.ascii_fold(company).lower().replace(".", "").replace("-", "").replace("'", "")
    return (name or "company") + ".example"


def _email(first: str, last: str, domain: str, n: int) -> str:
    # Addresses stay valid: ASCII, no leading, trailing or doubled dots (apostrophes are fine).
    parts = [messy.ascii_fold(part.strip()).lower().replace(".", "") for part in (first, last)]
    local = ".".join(part for part in parts if part) or "person"
    return f"{local}{n}@{domain}"


def _company(rng: random.Random, n: int) -> str:
    plain = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {n + 1}"
    return messy.padded(rng, messy.company(rng, plain), 255)


def _address(rng: random.Random, prefix: str) -> Row:
    city, state, postal, country, lat, lon = messy.city(rng, CITIES)
    street = messy.street(rng, f"{rng.randint(1, 999)} {rng.choice(COMPANY_WORDS)} Street")
    return {f"{prefix}Street": street, f"{prefix}City": city, f"{prefix}State": state,
            f"{prefix}PostalCode": postal, f"{prefix}Country": country, f"{prefix}Latitude": lat,
            f"{prefix}Longitude": lon}


def _phone(rng: random.Random) -> str:
    return f"+1 415 555 {rng.randint(0, 9999):04d}"


def _user_row(rng: random.Random, n: int, org_name: str) -> Row:
    first, last = _person(rng, n)
    address = _email(first, last, "acme.example", n)
    alias = messy.ascii_fold(first[:1] + last.strip()).replace("'", "")[:8].lower() or f"user{n}"[:8]
    return {"Username": address, "FirstName": first, "LastName": last, "Email": address, "Alias": alias,
            "IsActive": True, "TimeZoneSidKey": rng.choice(catalog.TIME_ZONES), "UserType": "Standard",
            "Title": "Account Executive", "Department": "Sales", "CompanyName": org_name}


def _account_row(rng: random.Random, n: int, parents: _Parents | None = None) -> Row:
    city = rng.choice(CITIES)
    row = {"Name": _company(rng, n), "Type": rng.choice(catalog.ACCOUNT_TYPES),
           "Industry": rng.choice(catalog.INDUSTRIES), "Rating": rng.choice(catalog.RATINGS),
           "Phone": _phone(rng), "AnnualRevenue": float(rng.randint(1, 500) * 100_000),
           "NumberOfEmployees": rng.randint(5, 20_000), "Tier__c": rng.choice(catalog.TIERS),
           "External_Key__c": f"ACME-{n + 1:06d}", "Headquarters__Latitude__s": city[4],
           "Headquarters__Longitude__s": city[5], **_address(rng, "Billing")}
    row["Website"] = "https://www." + _domain(row["Name"])
    if rng.random() < 0.1:
        row["Description"] = "Long-standing customer. " * rng.randint(50, 400)
    else:
        row["Description"] = messy.description(rng)
    return row


def _contact_row(rng: random.Random, n: int, account_id: str | None, domain: str) -> Row:
    first, last = _person(rng, n)
    row = {"AccountId": account_id, "FirstName": first, "LastName": last,
           "Email": _email(first, last, domain, n), "Phone": _phone(rng),
           "Title": messy.title(rng, rng.choice(("CEO", "CTO", "VP Sales", "Buyer", "Engineer", None))),
           "LeadSource": rng.choice(catalog.LEAD_SOURCES), "HasOptedOutOfEmail": rng.random() < 0.1,
           "Preferred_Channel__c": rng.choice(catalog.CHANNELS), "Description": messy.description(rng),
           **_address(rng, "Mailing")}
    if rng.random() < 0.05:
        row["Photo__c"] = PHOTO_BYTES
    return row


def _opportunity_row(rng: random.Random, n: int, account_name: str | None, account_id: str | None) -> Row:
    stage = rng.choice(catalog.OPPORTUNITY_STAGES)
    close = datetime(2024, 1, 1).date() + timedelta(days=rng.randint(0, 730))
    kind = rng.choice(("Renewal", "Upsell", "New"))
    name = f"{(account_name or 'Deal').strip()} - {kind}"[:120]
    return {"AccountId": account_id, "Name": name, "StageName": stage,
            "Amount": float(rng.randint(5, 500) * 1000), "Probability": float(STAGE_PROBABILITY[stage]),
            "CloseDate": close, "Type": rng.choice(catalog.OPPORTUNITY_TYPES),
            "LeadSource": rng.choice(catalog.LEAD_SOURCES), "Description": messy.description(rng)}


def _campaign_row(rng: random.Random, n: int, now: datetime) -> Row:
    start = now.date() - timedelta(days=rng.randint(0, 300))
    season, kind = rng.choice(("Spring", "Summer", "Autumn", "Winter")), rng.choice(catalog.CAMPAIGN_TYPES)
    return {"Name": f"{season} {kind} {n + 1}", "Type": kind, "Status": rng.choice(catalog.CAMPAIGN_STATUSES),
            "StartDate": start, "EndDate": start + timedelta(days=30), "IsActive": rng.random() < 0.5,
            "BudgetedCost": float(rng.randint(1, 50) * 1000), "Region__c": rng.choice(catalog.REGIONS)}


def _lead_row(rng: random.Random, n: int, parents: _Parents | None = None) -> Row:
    first, last = _person(rng, n)
    company = _company(rng, n + 1000)
    return {"FirstName": first, "LastName": last, "Company": company, "Title": messy.title(rng, None),
            "Email": _email(first, last, _domain(company), n), "Phone": _phone(rng),
            "Description": messy.description(rng),
            "Status": rng.choice(catalog.LEAD_STATUSES), "LeadSource": rng.choice(catalog.LEAD_SOURCES),
            "Industry": rng.choice(catalog.INDUSTRIES), "Rating": rng.choice(catalog.RATINGS),
            "AnnualRevenue": float(rng.randint(1, 100) * 50_000), "NumberOfEmployees": rng.randint(1, 5000),
            "HasOptedOutOfEmail": rng.random() < 0.1, "Custom_Score__c": round(rng.uniform(0, 100), 2),
            **_address(rng, "")}


def _generic_row(object_name: str, n: int) -> Row:
    return {"Name": f"{object_name} {n + 1}"}


_FACTORIES: dict[str, Callable[[random.Random, int, _Parents], Row]] = {
    "Account": _account_row,
    "Lead": _lead_row,
    "Contact": lambda rng, n, p: _contact_row(rng, n, p.pick("Account", required=False), "example.com"),
    "Opportunity": lambda rng, n, p: _opportunity_row(rng, n, None, p.pick("Account", required=False)),
    "OpportunityContactRole": lambda rng, n, p: {
        "OpportunityId": p.pick("Opportunity"), "ContactId": p.pick("Contact"),
        "Role": rng.choice(catalog.CONTACT_ROLES)},
    "Campaign": lambda rng, n, p: _campaign_row(rng, n, p.org.clock.now()),
    "CampaignMember": lambda rng, n, p: {
        "CampaignId": p.pick("Campaign"), "LeadId": p.pick("Lead"),
        "Status": rng.choice(catalog.MEMBER_STATUSES)},
    "User": lambda rng, n, p: _user_row(rng, n, p.org.name),
    "Task": lambda rng, n, p: activities.task_row(rng, p.org.clock.now(), p.pick("Contact", required=False)),
    "Event": lambda rng, n, p: activities.event_row(rng, p.org.clock.now(), p.pick("Contact", required=False)),
}
