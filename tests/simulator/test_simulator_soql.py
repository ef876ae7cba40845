"""The SOQL parser on its own."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from bot.simulator.soql import BoolOp, Comparison, Not, SoqlError, UnsupportedSoql, parse


def test_full_grammar() -> None:
    query = parse("select Id, Name from Lead where (A = 'x' or B != null) and not C in (1, -2.5) "
                  "order by SystemModstamp desc nulls first, Id limit 10 offset 5")
    assert [field.name for field in query.fields] == ["Id", "Name"] and query.object_name == "Lead"
    assert isinstance(query.where, BoolOp) and query.where.operator == "AND"
    assert isinstance(query.where.operands[1], Not)
    inner = query.where.operands[1].operand
    assert isinstance(inner, Comparison) and isinstance(inner.value, tuple)
    assert [literal.value for literal in inner.value] == [1, -2.5]
    assert [(item.field.name, item.descending, item.nulls_last) for item in query.order_by] == [
        ("SystemModstamp", True, False), ("Id", False, False)]
    assert (query.limit, query.offset) == (10, 5)


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2024-01-02T03:04:05+00:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2024-01-02T03:04:05.123+0000", datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=timezone.utc)),
    ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2024-01-02", date(2024, 1, 2)),
])
def test_date_literals(text: str, expected: object) -> None:
    condition = parse(f"SELECT Id FROM Lead WHERE SystemModstamp > {text}").where
    assert isinstance(condition, Comparison) and condition.value.value == expected  # type: ignore[union-attr]


def test_string_escapes() -> None:
    condition = parse(r"SELECT Id FROM Lead WHERE Name LIKE 'it\'s 100\% \\ a_b\n'").where
    assert isinstance(condition, Comparison)
    literal = condition.value
    assert literal.value == "it's 100\\% \\ a_b\n"  # type: ignore[union-attr]
    pattern = re.compile(literal.pattern, re.DOTALL)  # type: ignore[union-attr]
    assert pattern.fullmatch("it's 100% \\ aXb\n") and not pattern.fullmatch("it's 1000 \\ aXb\n")


@pytest.mark.parametrize("soql", [
    "", "SELECT", "SELECT Id", "SELECT Id FROM", "SELECT Id, FROM Lead", "SELECT Id FROM Lead WHERE",
    "SELECT Id FROM Lead WHERE Name = ", "SELECT Id FROM Lead WHERE (Name = 'a'",
    "SELECT Id FROM Lead LIMIT -1",
    "SELECT Id FROM Lead WHERE Name = 'bad \\q escape'", "SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3",
    "SELECT Id FROM Lead extra", "SELECT Id FROM Lead WHERE Name = 'x' ORDER Name",
    "SELECT Id FROM Lead WHERE d > 2024-13-45T00:00:00Z",
])
def test_malformed(soql: str) -> None:
    with pytest.raises(SoqlError) as failure:
        parse(soql)
    assert failure.value.code == "MALFORMED_QUERY"
    assert not isinstance(failure.value, UnsupportedSoql)


@pytest.mark.parametrize("soql", [
    "SELECT Name, COUNT(Id) FROM Lead GROUP BY Name", "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)",
    "SELECT Id FROM Lead WHERE CreatedDate = TODAY",
    "SELECT MAX(Amount) FROM Opportunity", "SELECT COUNT(Id) FROM Lead", "SELECT Id FROM Lead FOR UPDATE",
])
def test_unsupported(soql: str) -> None:
    with pytest.raises(UnsupportedSoql):
        parse(soql)
