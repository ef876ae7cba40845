"""Schema changes at run time, conditional describes (304), and formula fields."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable
from email.utils import format_datetime

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceGeneralError, SalesforceMalformedRequest

from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator, SimClock, SimulatedOrg
from bot.simulator.org import ORG_CREATED

DESCRIBE = "https://acme.my.salesforce.com/services/data/v59.0/sobjects/Lead/describe"


def _fields(sf: Salesforce, name: str = "Lead") -> dict[str, dict[str, object]]:
    return {field["name"]: field for field in getattr(sf, name).describe()["fields"]}


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def test_remove_custom_field(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.add_custom_field("Lead", "Segment", "string", length=40)
    lead = sim.org.create("Lead", LastName="Seg", Company="Co", Segment__c="Enterprise")
    assert "Segment__c" in _fields(sf)
    removed = sim.org.remove_field("Lead", "segment__c")
    assert removed.name == "Segment__c" and "Segment__c" not in _fields(sf)
    assert "Segment__c" not in sim.org.get("Lead", lead)
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Segment__c FROM Lead")
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"
    sim.org.add_custom_field("Lead", "Segment", "string")  # a new field of that name starts empty
    assert sf.query(f"SELECT Segment__c FROM Lead WHERE Id = '{lead}'")["records"][0]["Segment__c"] is None
    with pytest.raises(ValueError):
        sim.org.remove_field("Lead", "Email")  # standard fields cannot be deleted
    with pytest.raises(KeyError):
        sim.org.remove_field("Lead", "Nope__c")


def test_remove_compound_custom_field_takes_its_components(sim: SalesforceSimulator, sf: Salesforce) -> None:
    with pytest.raises(ValueError):
        sim.org.remove_field("Account", "Headquarters__Latitude__s")
    sim.org.remove_field("Account", "Headquarters__c")
    names = set(_fields(sf, "Account"))
    assert not {"Headquarters__c", "Headquarters__Latitude__s", "Headquarters__Longitude__s"} & names
    assert all("Headquarters__Latitude__s" not in row for row in sim.org.records("Account"))


def test_change_field_length_and_type(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.add_custom_field("Lead", "Code", "string", length=10)
    short = sim.org.create("Lead", LastName="A", Company="Co", Code__c="42")
    word = sim.org.create("Lead", LastName="B", Company="Co", Code__c="forty-two")
    order = list(_fields(sf))
    sim.org.change_field("Lead", "Code__c", length=100)
    assert _fields(sf)["Code__c"]["length"] == 100 and list(_fields(sf)) == order  # same place
    sim.org.create("Lead", LastName="C", Company="Co", Code__c="x" * 100)
    changed = sim.org.change_field("Lead", "Code__c", type="double", length=0, precision=18, scale=2)
    assert changed.type == "double" and _fields(sf)["Code__c"]["type"] == "double"
    assert sim.org.get("Lead", short)["Code__c"] == 42.0
    assert "Code__c" not in sim.org.get("Lead", word)  # could not be carried over: dropped
    sim.org.change_field("Lead", "Code__c", type="string", length=3, precision=0, scale=0)
    assert sim.org.get("Lead", short)["Code__c"] == "42."  # text again, cut to the new length
    with pytest.raises(ValueError):
        sim.org.change_field("Lead", "Code__c", name="Other__c")
    with pytest.raises(ValueError):
        sim.org.change_field("Lead", "Code__c", type="nonsense")


def test_describe_last_modified_and_304(sim: SalesforceSimulator, session: requests.Session,
                                        sf: Salesforce, now: datetime) -> None:
    auth = {"Authorization": f"Bearer {sf.session_id}"}
    first = session.get(DESCRIBE, headers=auth)
    assert first.status_code == 200 and first.headers["Last-Modified"] == _http_date(ORG_CREATED)
    assert first.headers["Sforce-Limit-Info"].startswith("api-usage=")
    same = session.get(DESCRIBE, headers={**auth, "If-Modified-Since": first.headers["Last-Modified"]})
    assert same.status_code == 304 and same.content == b"" and "Content-Length" not in same.headers
    assert same.headers["Last-Modified"] == first.headers["Last-Modified"]
    later = session.get(DESCRIBE, headers={**auth, "If-Modified-Since": _http_date(now)})
    assert later.status_code == 304
    garbage = session.get(DESCRIBE, headers={**auth, "If-Modified-Since": "yesterday"})
    assert garbage.status_code == 200  # a malformed date is ignored, as HTTP says

    sim.org.add_custom_field("Lead", "Region", "string")
    changed = session.get(DESCRIBE, headers={**auth, "If-Modified-Since": first.headers["Last-Modified"]})
    assert changed.status_code == 200 and changed.headers["Last-Modified"] == _http_date(now)
    assert "Region__c" in {field["name"] for field in changed.json()["fields"]}
    # A second change while the clock stands still still moves the date (by a second).
    sim.org.hide_field("Lead", "Region__c", username=DEFAULT_USERNAME)
    hidden = session.get(DESCRIBE, headers={**auth, "If-Modified-Since": changed.headers["Last-Modified"]})
    assert hidden.status_code == 200 and hidden.headers["Last-Modified"] == _http_date(now + timedelta(seconds=1))
    assert "Region__c" not in {field["name"] for field in hidden.json()["fields"]}
    contact = session.get(DESCRIBE.replace("Lead", "Contact"),
                          headers={**auth, "If-Modified-Since": _http_date(ORG_CREATED)})
    assert contact.status_code == 304  # other objects did not change


def test_what_simple_salesforce_does_with_a_304(sim: SalesforceSimulator, sf: Salesforce) -> None:
    # simple-salesforce treats every status >= 300 as an error: a 304 raises
    # SalesforceGeneralError with status 304 and content "" (the empty body is not JSON).
    # Callers wanting cheap describes catch it: "not modified, keep the describe you have".
    since = {"If-Modified-Since": _http_date(ORG_CREATED)}
    with pytest.raises(SalesforceGeneralError) as failure:
        sf.Lead.describe(headers=since)
    assert failure.value.status == 304 and failure.value.content == ""
    with pytest.raises(SalesforceGeneralError) as failure:
        sf.restful("sobjects/Lead/describe", headers=since)
    assert failure.value.status == 304
    # A 304 still counts as an API call; the client raises before reading Sforce-Limit-Info.
    used = sim.org.api_requests_used
    with pytest.raises(SalesforceGeneralError):
        sf.Lead.describe(headers=since)
    assert sim.org.api_requests_used == used + 1
    assert sf.Lead.describe(headers={"If-Modified-Since": _http_date(ORG_CREATED - timedelta(days=1))})["name"] == "Lead"


def test_metadata_dates_per_org(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    assert org.metadata_modified("lead") == ORG_CREATED
    org.change_field("Lead", "Company", length=200)
    org.remove_field("Lead", "Custom_Score__c")
    assert org.metadata_modified("Lead") == now + timedelta(seconds=1)
    assert org.metadata_modified("Account") == ORG_CREATED


def test_formula_changes_without_touching_the_stamp(sim: SalesforceSimulator, sf: Salesforce) -> None:
    field = _fields(sf)["Revenue_EUR__c"]
    assert field["calculated"] is True and field["createable"] is False and field["type"] == "currency"
    lead = sim.org.create("Lead", LastName="Euro", Company="Co", AnnualRevenue=1000)
    soql = f"SELECT Revenue_EUR__c, SystemModstamp FROM Lead WHERE Id = '{lead}'"
    before = sf.query(soql)["records"][0]
    sim.clock.advance(60)
    sim.org.formula_inputs["EUR_Rate__c"] = 0.5  # an org-level input, like a custom setting
    after = sf.query(soql)["records"][0]
    assert (before["Revenue_EUR__c"], after["Revenue_EUR__c"]) == (920.0, 500.0)
    assert before["SystemModstamp"] == after["SystemModstamp"]
    page = next(sf.bulk2.Lead.query(f"SELECT Id, Revenue_EUR__c FROM Lead WHERE Id = '{lead}'", wait=0.01))
    assert page.splitlines()[1] == f'"{lead}","500.0"'
    assert sf.query(f"SELECT Id FROM Lead WHERE Revenue_EUR__c = 500 AND Id = '{lead}'")["totalSize"] == 1
    with pytest.raises(ValueError):
        sim.org.update("Lead", lead, Revenue_EUR__c=1.0)
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.update(lead, {"Revenue_EUR__c": 1.0})


# Labels and names are free text in Salesforce: an admin may type markup into them.
MARKUP = "<!here> & <https://evil.example|log in>"  # a label may have up to 40 characters


def test_labels_are_free_text_and_a_relabel_moves_the_describe_date(
        sim: SalesforceSimulator, session: requests.Session, sf: Salesforce, now: datetime) -> None:
    auth = {"Authorization": f"Bearer {sf.session_id}"}
    sim.org.change_field("Lead", "Email", label=MARKUP)
    sim.org.add_custom_field("Lead", "Notes", "string", label=MARKUP[::-1])
    assert _fields(sf)["Email"]["label"] == MARKUP and _fields(sf)["Notes__c"]["label"] == MARKUP[::-1]
    with pytest.raises(ValueError):
        sim.org.change_field("Lead", "Email", label=MARKUP + "!!")  # Setup takes 40 characters at most
    before = session.get(DESCRIBE, headers=auth).headers["Last-Modified"]
    sim.org.relabel_object("Lead", MARKUP, MARKUP.upper())
    described = session.get(DESCRIBE, headers={**auth, "If-Modified-Since": before})
    # Two changes already used "now" and the second after it: the third moves a second further.
    assert described.status_code == 200 and described.headers["Last-Modified"] == _http_date(now + timedelta(seconds=2))
    assert (described.json()["label"], described.json()["labelPlural"]) == (MARKUP, MARKUP.upper())
    listed = {entry["name"]: entry for entry in sf.describe()["sobjects"]}
    assert listed["Lead"]["label"] == MARKUP


def test_a_renamed_org_shows_its_new_name_on_the_record_and_at_login(
        sim: SalesforceSimulator, login: Callable[..., Salesforce]) -> None:
    sf = login()
    before = sf.query("SELECT Name, SystemModstamp FROM Organization")["records"][0]
    sim.clock.advance(60)
    sim.org.rename(MARKUP)
    after = sf.query("SELECT Name, SystemModstamp FROM Organization")["records"][0]
    assert (before["Name"], after["Name"]) == ("Acme Corp", MARKUP)
    assert after["SystemModstamp"] > before["SystemModstamp"]
    again = login()  # the login's userInfo names the org too, XML-escaped on the wire
    assert again.sf_instance == "acme.my.salesforce.com"  # renaming an org does not move it
    assert sim.org.name == MARKUP
    with pytest.raises(ValueError):
        sim.org.rename("x" * 81)  # Company Information takes 80 characters at most