"""Numbers as Salesforce keeps and sends them: decimals of the field's precision and scale,
Java doubles in REST JSON, plain digits in Bulk CSV."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from bot.simulator import SalesforceSimulator
from bot.simulator.numbers import csv_text, edge_values, json_text

V = "https://acme.my.salesforce.com/services/data/v59.0"


def _headers(sf: Salesforce) -> dict[str, str]:
    return {"Authorization": f"Bearer {sf.session_id}"}


@pytest.mark.parametrize(("stored", "rest", "bulk"), [
    ("999999999999999999", "1.0E18", "999999999999999999.0"),  # AnnualRevenue (18, 0) at its largest
    ("9999999999999999.99", "1.0E16", "9999999999999999.99"),  # Amount (18, 2) at its largest
    ("-9999999999999999.99", "-1.0E16", "-9999999999999999.99"),
    ("12345678.9", "1.23456789E7", "12345678.9"),  # E notation from 10^7
    ("5000000", "5000000.0", "5000000.0"),
    ("0.001", "0.001", "0.001"),  # plain down to 10^-3
    ("0.0001", "1.0E-4", "0.0001"),
    ("0.000000000000001", "1.0E-15", "0.000000000000001"),
    ("123.45678901234567", "123.45678901234567", "123.45678901234567"),
    ("0.30000000000000004", "0.30000000000000004", "0.30000000000000004"),
    ("0", "0.0", "0.0"),
])
def test_rest_writes_java_doubles_and_bulk_the_stored_digits(stored: str, rest: str, bulk: str) -> None:
    assert (json_text(Decimal(stored)), csv_text(Decimal(stored))) == (rest, bulk)


def test_the_largest_values_go_out_as_salesforce_sends_them(sim: SalesforceSimulator, sf: Salesforce,
                                                             session: requests.Session) -> None:
    account = sim.org.create("Account", Name="Huge", AnnualRevenue=Decimal("999999999999999999"),
                             BillingLatitude=Decimal("-89.123456789012345"))
    deal = sim.org.create("Opportunity", Name="Huge deal", StageName="Prospecting", CloseDate="2024-07-01",
                          Amount=Decimal("9999999999999999.99"), Probability=10, AccountId=account)
    raw = session.get(f"{V}/query/", params={"q": f"SELECT Amount, ExpectedRevenue FROM Opportunity WHERE Id = "
                                                  f"'{deal}'"}, headers=_headers(sf)).text
    assert '"Amount":1.0E16,"ExpectedRevenue":1.0E15' in raw
    raw = session.get(f"{V}/sobjects/Account/{account}", headers=_headers(sf)).text
    assert '"AnnualRevenue":1.0E18' in raw and '"BillingLatitude":-89.12345678901235' in raw
    assert '"latitude":-89.12345678901235' in raw  # inside the compound address too
    page = next(sf.bulk2.Opportunity.query(f"SELECT Id, Amount, ExpectedRevenue FROM Opportunity WHERE Id = "
                                           f"'{deal}'", wait=0.01))
    assert page.splitlines()[1] == f'"{deal}","9999999999999999.99","1000000000000000.0"'
    page = next(sf.bulk2.Account.query(f"SELECT AnnualRevenue FROM Account WHERE Id = '{account}'", wait=0.01))
    assert page.splitlines()[1] == '"999999999999999999.0"'


def test_composite_answers_keep_the_numbers_as_written(sim: SalesforceSimulator, sf: Salesforce,
                                                       session: requests.Session) -> None:
    account = sim.org.create("Account", Name="Huge", AnnualRevenue=Decimal("999999999999999999"))
    body = {"compositeRequest": [{"method": "GET", "referenceId": "a",
                                  "url": f"/services/data/v59.0/sobjects/Account/{account}"}]}
    raw = session.post(f"{V}/composite", json=body, headers=_headers(sf)).text
    assert '"AnnualRevenue":1.0E18' in raw


def test_a_value_past_the_precision_is_refused_and_extra_decimals_are_rounded(sim: SalesforceSimulator,
                                                                               sf: Salesforce) -> None:
    account = sim.org.create("Account", Name="Edge")
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Account.update(account, {"AnnualRevenue": 1e18})
    assert refused.value.content[0]["errorCode"] == "NUMBER_OUTSIDE_VALID_RANGE"
    sf.Account.update(account, {"AnnualRevenue": 999999999999999999})
    assert sim.org.get("Account", account)["AnnualRevenue"] == Decimal("999999999999999999")
    deal = sim.org.create("Opportunity", Name="Deal", StageName="Prospecting", CloseDate="2024-07-01",
                          Amount=Decimal("10.005"), Probability=Decimal("33.5"))
    stored = sim.org.get("Opportunity", deal)
    assert (stored["Amount"], stored["Probability"]) == (Decimal("10.01"), Decimal("34"))
    assert stored["ExpectedRevenue"] == Decimal("3.40") and (stored["FiscalYear"], stored["FiscalQuarter"]) == (2024, 3)


def test_soql_compares_numbers_as_decimals(sim: SalesforceSimulator, sf: Salesforce) -> None:
    low = sim.org.create("Opportunity", Name="A", StageName="Prospecting", CloseDate="2024-07-01",
                         Amount=Decimal("9999999999999999.98"))
    high = sim.org.create("Opportunity", Name="B", StageName="Prospecting", CloseDate="2024-07-01",
                          Amount=Decimal("9999999999999999.99"))
    found = sf.query("SELECT Id FROM Opportunity WHERE Amount > 9999999999999999.98")["records"]
    assert [row["Id"] for row in found] == [high] and low != high


def test_edge_values_sit_at_the_corners_of_each_field(sim: SalesforceSimulator) -> None:
    lead = sim.org.object("Lead")
    assert edge_values(lead.field("AnnualRevenue")) == (  # type: ignore[arg-type]
        Decimal("999999999999999999"), Decimal("-999999999999999999"), 1, Decimal("12345678901234567"),
        Decimal("-12345678901234567"), 0)
    assert edge_values(lead.field("NumberOfEmployees")) == (99999999, -99999999, 1, 0)  # type: ignore[arg-type]
    amount = edge_values(sim.org.object("Opportunity").field("Amount"))  # type: ignore[arg-type]
    assert Decimal("9999999999999999.99") in amount and Decimal("0.01") in amount
    ids = sim.org.generate("Lead", 8, edge_numbers=True)
    revenues = {sim.org.get("Lead", record_id).get("AnnualRevenue") for record_id in ids}
    assert Decimal("999999999999999999") in revenues and Decimal("-999999999999999999") in revenues
