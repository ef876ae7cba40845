"""REST SOQL queries: paging, queryAll, literals, errors, output shapes."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from bot.simulator import SalesforceSimulator


def _error(failure: pytest.ExceptionInfo[SalesforceMalformedRequest]) -> dict[str, str]:
    content = failure.value.content
    assert isinstance(content, list) and len(content) == 1
    return content[0]  # type: ignore[no-any-return]


def test_paging_over_many_rows(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 4500)
    total = sim.org.count("Lead")
    first = sf.query("SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id")
    assert first["totalSize"] == total and first["done"] is False and len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    everything = sf.query_all("SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id")
    ids = [row["Id"] for row in everything["records"]]
    assert len(ids) == len(set(ids)) == total
    lazily = [row["Id"] for row in sf.query_all_iter("SELECT Id FROM Lead ORDER BY SystemModstamp, Id")]
    assert lazily == ids
    continuations = sim.request_log.entries(lambda e: e.path.startswith("/services/data/v59.0/query/01g"))
    assert len(continuations) == 2 * ((total - 1) // 2000)  # two full walks, 2 continuations each


@pytest.mark.parametrize(("asked", "page"), [(500, 500), (50, 200), (5000, 2000)])
def test_batch_size_header_is_clamped(
    sim: SalesforceSimulator, sf: Salesforce, asked: int, page: int,
) -> None:
    sim.org.generate("Contact", 2500)
    headers = {"Sforce-Query-Options": f"batchSize={asked}"}
    first = sf.query("SELECT Id FROM Contact", headers=headers)
    assert len(first["records"]) == page
    rows = list(sf.query_all_iter("SELECT Id FROM Contact", headers=headers))
    assert len(rows) == sim.org.count("Contact")


def test_query_skips_deleted_rows_and_query_all_keeps_them(sim: SalesforceSimulator, sf: Salesforce) -> None:
    gone = sim.org.ids("Lead")[:3]
    for record_id in gone:
        sim.org.delete("Lead", record_id)
    live = sf.query_all("SELECT Id, IsDeleted FROM Lead")["records"]
    assert not {row["Id"] for row in live} & set(gone)
    everything = sf.query_all("SELECT Id, IsDeleted FROM Lead", include_deleted=True)["records"]
    assert {row["Id"] for row in everything if row["IsDeleted"]} == set(gone)
    assert len(everything) == len(live) + 3
    assert sim.request_log.count(path_contains="/queryAll/") == 1


def test_query_all_continuation_goes_through_query(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 2100)
    sim.org.delete("Lead", sim.org.ids("Lead")[-1])
    page = sf.query("SELECT Id FROM Lead", include_deleted=True)
    assert "/query/" in page["nextRecordsUrl"]
    assert len(sf.query_all("SELECT Id FROM Lead", include_deleted=True)["records"]) == sim.org.count(
        "Lead", include_deleted=True)


def test_count(sim: SalesforceSimulator, sf: Salesforce) -> None:
    answer = sf.query("SELECT COUNT() FROM Contact WHERE AccountId != null")
    assert answer == {"totalSize": sim.org.count("Contact"), "done": True, "records": []}
    assert sf.query("SELECT COUNT() FROM Lead WHERE Email = 'nobody@nowhere.example'")["totalSize"] == 0


@pytest.mark.parametrize("literal", ["2024-05-01T00:00:00Z", "2024-05-01T00:00:00+00:00",
                                     "2024-05-01T00:00:00.000+0000", "2024-05-01T02:00:00+02:00"])
def test_unquoted_datetime_literals(sim: SalesforceSimulator, sf: Salesforce, literal: str) -> None:
    recent = sim.org.generate("Account", 5, spread=timedelta(days=60))
    query = (f"SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp >= {literal} "
             f"AND Id IN ('{recent[0]}', '{recent[-1]}')")
    rows = sf.query(query)["records"]
    # Stamps run from now - 48 days (April 14th, the first) to now (June 1st, the last).
    stamps = {row["Id"]: row["SystemModstamp"] for row in rows}
    assert set(stamps) == {recent[-1]}
    assert stamps[recent[-1]] == "2024-06-01T12:00:00.000+0000"


def test_quoted_datetime_is_invalid_field(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Id FROM Lead WHERE SystemModstamp > '2024-01-01T00:00:00Z'")
    error = _error(failure)
    assert failure.value.status == 400
    assert error["errorCode"] == "INVALID_FIELD"
    assert "must be of type dateTime and should not be enclosed in quotes" in error["message"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FRM Lead", "MALFORMED_QUERY"),
        ("SELEC Id FROM Lead", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE Email = 'a' AND Phone = 'b' OR Name = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE Email = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead LIMIT x", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Lead", "MALFORMED_QUERY"),
        ("SELECT Nope__c FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Nope__c", "INVALID_TYPE"),
        ("SELECT Id FROM Lead WHERE Name = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE CloseDate = 2024-01-01", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Description = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Id = 'not-an-id'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Name, COUNT(Id) FROM Lead GROUP BY Name", "MALFORMED_QUERY"),
    ],
)
def test_bad_queries_are_400(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query(soql)
    assert _error(failure)["errorCode"] == code


def test_error_message_points_at_the_culprit(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Id, Nope FROM Lead")
    expected = "\nSELECT Id, Nope FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Nope'"
    assert _error(failure)["message"].startswith(expected)


def test_records_shape(sim: SalesforceSimulator, sf: Salesforce) -> None:
    lead_id = sim.org.create("Lead", LastName="Solo", Company="Nulls Inc", Custom_Score__c=12.5)
    record = sf.query(f"SELECT id, lastname, EMAIL, CreatedDate, Custom_Score__c, HasOptedOutOfEmail, "
                      f"Address FROM LEAD WHERE ID = '{lead_id}'")["records"][0]
    assert list(record) == ["attributes", "Id", "LastName", "Email", "CreatedDate", "Custom_Score__c",
                            "HasOptedOutOfEmail", "Address"]
    assert record["attributes"] == {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{lead_id}"}
    assert record["Email"] is None and record["Address"] is None
    assert record["CreatedDate"] == "2024-06-01T12:00:00.000+0000"
    assert record["Custom_Score__c"] == 12.5 and record["HasOptedOutOfEmail"] is False


def test_dates_compounds_and_formulas(sim: SalesforceSimulator, sf: Salesforce) -> None:
    account = sim.org.create("Account", Name="Old Name", BillingCity="Paris", BillingCountry="FR",
                             Headquarters__Latitude__s=48.86, Headquarters__Longitude__s=2.34)
    contact = sim.org.create("Contact", LastName="Doe", AccountId=account)
    opportunity = sim.org.create("Opportunity", Name="Deal", StageName="Prospecting", CloseDate="2024-07-15",
                                 Amount=1000.0, Probability=10.0, AccountId=account)
    row = sf.query(f"SELECT CloseDate, ExpectedRevenue, IsClosed FROM Opportunity WHERE Id = '{opportunity}'")
    assert dict(row["records"][0]) | {"attributes": None} == {
        "attributes": None, "CloseDate": "2024-07-15", "ExpectedRevenue": 100.0, "IsClosed": False}
    soql = f"SELECT BillingAddress, Headquarters__c FROM Account WHERE Id = '{account}'"
    account_row = sf.query(soql)["records"][0]
    assert account_row["BillingAddress"]["city"] == "Paris"
    assert account_row["BillingAddress"]["street"] is None
    assert account_row["Headquarters__c"] == {"latitude": 48.86, "longitude": 2.34}
    # A cross-object formula changes while the Contact's SystemModstamp stays put.
    soql = f"SELECT Account_Name__c, SystemModstamp FROM Contact WHERE Id = '{contact}'"
    before = sf.query(soql)["records"][0]
    sim.clock.advance(60)
    sim.org.update("Account", account, Name="New Name")
    after = sf.query(soql)["records"][0]
    assert (before["Account_Name__c"], after["Account_Name__c"]) == ("Old Name", "New Name")
    assert before["SystemModstamp"] == after["SystemModstamp"]


def test_filters_and_ordering(sim: SalesforceSimulator, sf: Salesforce) -> None:
    org = sim.org
    ids = [org.create("Lead", LastName=name, Company="Filter Co", Email=email, NumberOfEmployees=size)
           for name, email, size in [("O'Hara", "a_b@x.example", 10), ("Lee", "ab@x.example", None),
                                     ("Zed", None, 30)]]
    def names(where: str, order: str = "LastName") -> list[str]:
        soql = f"SELECT LastName FROM Lead WHERE Company = 'filter co' AND ({where}) ORDER BY {order}"
        return [row["LastName"] for row in sf.query(soql)["records"]]
    assert names("LastName = 'o\\'hara'") == ["O'Hara"]
    assert names("Email LIKE 'a\\_b%'") == ["O'Hara"]
    assert names("Email LIKE 'a_b%'") == ["O'Hara"]
    assert names("Email LIKE 'A%'") == ["Lee", "O'Hara"]
    assert names("Email != 'ab@x.example'") == ["O'Hara", "Zed"]  # != matches nulls, like SOQL
    assert names("Email = null") == ["Zed"]
    assert names("NumberOfEmployees > 5") == ["O'Hara", "Zed"]
    assert names("NumberOfEmployees >= 10.5 OR NumberOfEmployees < -1") == ["Zed"]
    assert names(f"Id IN ('{ids[0]}', '{ids[2][:15]}')") == ["O'Hara", "Zed"]
    assert names(f"Id NOT IN ('{ids[0]}')") == ["Lee", "Zed"]
    assert names("NOT (Email = null OR LastName = 'Lee')") == ["O'Hara"]
    assert names("Company != null", "NumberOfEmployees DESC") == ["Zed", "O'Hara", "Lee"]
    assert names("Company != null", "NumberOfEmployees ASC NULLS LAST, LastName") == ["O'Hara", "Zed", "Lee"]
    assert names("Company != null", "NumberOfEmployees LIMIT 1 OFFSET 1") == ["O'Hara"]


def test_organization_query(sim: SalesforceSimulator, sf: Salesforce) -> None:
    rows = sf.query("SELECT Id, Name, IsSandbox FROM Organization")["records"]
    summary = [(row["Id"], row["Name"], row["IsSandbox"]) for row in rows]
    assert summary == [(sim.org.org_id, "Acme Corp", False)]
    assert sf.is_sandbox() is False


def test_base64_fields(sim: SalesforceSimulator, sf: Salesforce, session: requests.Session) -> None:
    photo = b"\x00\x01binary\xff"
    contact = sim.org.create("Contact", LastName="Pic", Photo__c=photo)
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Id, Photo__c FROM Contact")
    assert _error(failure)["errorCode"] == "INVALID_FIELD"
    row = sf.query(f"SELECT Id, Photo__c FROM Contact WHERE Id = '{contact}'")["records"][0]
    assert row["Photo__c"] == f"/services/data/v59.0/sobjects/Contact/{contact}/Photo__c"
    assert sf.Contact.get_base64(contact, base64_field="Photo__c") == photo
    assert sim.org.get("Contact", contact)["Photo__c"] == base64.b64decode(base64.b64encode(photo))


def test_invalid_locator(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query_more("01gAAAAAAAAAAAAAAA-2000")
    assert _error(failure)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_finished_cursor_is_closed(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 2100)
    first = sf.query("SELECT Id FROM Lead")
    sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    with pytest.raises(SalesforceMalformedRequest):
        sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)


def test_now_is_the_simulated_clock(sim: SalesforceSimulator, sf: Salesforce, now: datetime) -> None:
    lead = sim.org.create("Lead", LastName="Clock", Company="Time")
    soql = f"SELECT SystemModstamp FROM Lead WHERE SystemModstamp >= {now.isoformat()} AND Id = '{lead}'"
    rows = sf.query(soql)
    assert rows["records"][0]["SystemModstamp"] == "2024-06-01T12:00:00.000+0000"
