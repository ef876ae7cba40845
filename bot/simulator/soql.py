"""A parser for the subset of SOQL the simulator answers.

Grammar::

    SELECT field, ... | COUNT()  FROM Object
    [WHERE condition]  [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]
    [LIMIT n]  [OFFSET n]

Conditions combine ``field op literal`` (``= != <> < <= > >= LIKE IN NOT IN``) with
AND, OR, NOT and parentheses; like real SOQL, mixing AND and OR at one level without
parentheses is a syntax error. Literals: quoted strings with backslash escapes,
numbers, true/false, null, and *unquoted* dates and date-times.

Parsing knows nothing about the schema; :mod:`query_engine` checks names and types.
GROUP BY, HAVING, sub-queries, semi-joins, TYPEOF, functions other than COUNT()
and date literals (TODAY, LAST_N_DAYS:n) raise :class:`UnsupportedSoql`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Union

from .values import parse_date, parse_datetime

KEYWORDS = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "NULLS",
     "FIRST", "LAST", "LIMIT", "OFFSET", "TRUE", "FALSE", "NULL", "GROUP", "HAVING", "INCLUDES",
     "EXCLUDES", "USING", "SCOPE", "WITH", "FOR", "TYPEOF", "ROLLUP", "CUBE"}
)
_TOKEN_RE = re.compile(
    r"""(?P<ws>\s+)
      | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))
      | (?P<date>\d{4}-\d{2}-\d{2})(?![\dT:])
      | (?P<number>\d+(?:\.\d+)?|\.\d+)
      | (?P<string>'(?:\\.|[^'\\])*')
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),])
      | (?P<sign>[+-])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


class SoqlError(Exception):
    """A query Salesforce would refuse with a 400: ``code`` is its ``errorCode``."""

    def __init__(self, code: str, detail: str, soql: str = "", position: int | None = None) -> None:
        self.code = code
        self.detail = detail
        self.message = _pointed(soql, position, detail) if position is not None else detail
        super().__init__(f"{code}: {self.message}")


class UnsupportedSoql(SoqlError):
    """Valid SOQL outside the simulator's subset (or refused by Bulk API 2.0)."""

    def __init__(self, feature: str, soql: str, position: int) -> None:
        detail = f"{feature} is not supported by the Salesforce simulator"
        super().__init__("MALFORMED_QUERY", detail, soql, position)
        self.feature = feature


@dataclass(frozen=True)
class Token:
    kind: str  # datetime date number string op punct sign ident eof
    text: str
    position: int
    value: Any = None  # decoded literal (str for strings, with LIKE regex in ``pattern``)
    pattern: str | None = None


@dataclass(frozen=True)
class FieldRef:
    name: str
    position: int


@dataclass(frozen=True)
class Literal:
    kind: str  # string number boolean null datetime date
    value: Any
    position: int
    pattern: str | None = None  # regex of a string used with LIKE

    @property
    def quoted(self) -> bool:
        return self.kind == "string"


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    operator: str  # = != < <= > >= LIKE IN NOT IN
    value: Union[Literal, tuple[Literal, ...]]


@dataclass(frozen=True)
class BoolOp:
    operator: str  # AND / OR
    operands: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    operand: "Condition"


Condition = Union[Comparison, BoolOp, Not]


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class SelectQuery:
    """A parsed query (names still unchecked)."""

    soql: str
    fields: tuple[FieldRef, ...]
    count_only: bool
    object_name: str
    object_position: int
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None


def parse(soql: str) -> SelectQuery:
    """Parse one SOQL query; raises :class:`SoqlError` (MALFORMED_QUERY) on bad syntax."""
    return _Parser(soql).parse()


def _pointed(soql: str, position: int | None, detail: str) -> str:
    # Salesforce's layout: the query line, a caret under the culprit, then the reason.
    before = soql[: position or 0]
    row = before.count("\n") + 1
    line_start = before.rfind("\n") + 1
    line_end = soql.find("\n", line_start)
    line = soql[line_start: None if line_end < 0 else line_end]
    column = (position or 0) - line_start + 1
    return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{detail}"


def tokenize(soql: str) -> list[Token]:
    """Split a query into tokens (keywords stay ``ident``)."""
    tokens: list[Token] = []
    position = 0
    while position < len(soql):
        match = _TOKEN_RE.match(soql, position)
        if not match:
            bad = soql[position:].split(None, 1)[0]
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{bad}'", soql, position)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "string":
            value, pattern = _decode_string(text, soql, position)
            tokens.append(Token(kind, text, position, value, pattern))
        elif kind != "ws":
            tokens.append(Token(kind, text, position))
        position = match.end()
    tokens.append(Token("eof", "<EOF>", len(soql)))
    return tokens


def _decode_string(text: str, soql: str, position: int) -> tuple[str, str]:
    """The value of a quoted literal and the regex it stands for after LIKE."""
    body = text[1:-1]
    value: list[str] = []
    pattern: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            escaped = body[index + 1]
            if escaped in "%_":
                value.append("\\" + escaped)  # SOQL keeps these escapes outside LIKE
                pattern.append(re.escape(escaped))
            elif escaped in _ESCAPES:
                value.append(_ESCAPES[escaped])
                pattern.append(re.escape(_ESCAPES[escaped]))
            else:
                raise SoqlError("MALFORMED_QUERY", f"Invalid string literal '{text}'. Illegal character "
                                f"sequence '\\{escaped}' in string literal.", soql, position)
            index += 2
            continue
        value.append(char)
        pattern.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return "".join(value), "".join(pattern)


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.index = 0

    # ----- token helpers -------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def _is_keyword(self, *words: str) -> bool:
        token = self.current
        return token.kind == "ident" and token.text.upper() in words

    def _accept_keyword(self, *words: str) -> bool:
        if self._is_keyword(*words):
            self.index += 1
            return True
        return False

    def _expect_keyword(self, word: str) -> Token:
        if not self._is_keyword(word):
            self._unexpected()
        return self._advance()

    def _expect_punct(self, text: str) -> Token:
        if self.current.kind != "punct" or self.current.text != text:
            self._unexpected()
        return self._advance()

    def _unexpected(self) -> None:
        token = self.current
        raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}'", self.soql, token.position)

    def _unsupported(self, feature: str, token: Token | None = None) -> None:
        raise UnsupportedSoql(feature, self.soql, (token or self.current).position)

    # ----- grammar -------------------------------------------------------------------

    def parse(self) -> SelectQuery:
        self._expect_keyword("SELECT")
        fields, count_only = self._select_list()
        self._expect_keyword("FROM")
        object_token = self._name()
        if self._is_keyword("USING", "WITH"):
            self._unsupported(self.current.text.upper())
        where = self._condition() if self._accept_keyword("WHERE") else None
        if self._is_keyword("GROUP", "HAVING"):
            self._unsupported(f"{self.current.text.upper()} BY" if self._is_keyword("GROUP") else "HAVING")
        order_by: tuple[OrderItem, ...] = ()
        if self._accept_keyword("ORDER"):
            self._expect_keyword("BY")
            order_by = self._order_list()
        limit = self._integer_clause("LIMIT")
        offset = self._integer_clause("OFFSET")
        if self._is_keyword("FOR"):
            self._unsupported("FOR VIEW/REFERENCE/UPDATE")
        if self.current.kind != "eof":
            self._unexpected()
        return SelectQuery(self.soql, tuple(fields), count_only, object_token.text, object_token.position,
                           where, order_by, limit, offset)

    def _select_list(self) -> tuple[list[FieldRef], bool]:
        if self._is_keyword("COUNT") and self.tokens[self.index + 1].text == "(":
            count_token = self._advance()
            self._expect_punct("(")
            if self.current.text != ")":
                self._unsupported("COUNT(field)", count_token)
            self._expect_punct(")")
            return [], True
        fields = [self._select_item()]
        while self.current.text == ",":
            self._advance()
            fields.append(self._select_item())
        return fields, False

    def _select_item(self) -> FieldRef:
        token = self.current
        if token.text == "(":
            self._unsupported("A sub-query (parent-to-child relationship)")
        if self._is_keyword("TYPEOF"):
            self._unsupported("TYPEOF")
        name = self._name()
        if self.current.text == "(":
            self._unsupported(f"The function {name.text.upper()}()", name)
        return FieldRef(name.text, name.position)

    def _name(self) -> Token:
        token = self.current
        if token.kind != "ident" or token.text.upper() in KEYWORDS or ":" in token.text:
            self._unexpected()
        return self._advance()

    def _condition(self) -> Condition:
        first = self._unary()
        operator: str | None = None
        operands = [first]
        while self._is_keyword("AND", "OR"):
            word = self.current.text.upper()
            if operator is not None and word != operator:
                self._unexpected()  # SOQL needs parentheses to mix AND and OR
            operator = word
            self._advance()
            operands.append(self._unary())
        return first if operator is None else BoolOp(operator, tuple(operands))

    def _unary(self) -> Condition:
        if self._accept_keyword("NOT"):
            return Not(self._unary())
        if self.current.text == "(":
            self._advance()
            inner = self._condition()
            self._expect_punct(")")
            return inner
        return self._comparison()

    def _comparison(self) -> Comparison:
        name = self._name()
        field = FieldRef(name.text, name.position)
        if self.current.kind == "op":
            operator = self._advance().text
            return Comparison(field, "!=" if operator == "<>" else operator, self._literal())
        if self._accept_keyword("LIKE"):
            return Comparison(field, "LIKE", self._literal())
        negated = self._accept_keyword("NOT")
        if self._accept_keyword("IN"):
            return Comparison(field, "NOT IN" if negated else "IN", self._literal_list())
        if self._is_keyword("INCLUDES", "EXCLUDES"):
            self._unsupported(self.current.text.upper())
        self._unexpected()
        raise AssertionError("unreachable")

    def _literal_list(self) -> tuple[Literal, ...]:
        self._expect_punct("(")
        if self._is_keyword("SELECT"):
            self._unsupported("A semi-join sub-query")
        values = [self._literal()]
        while self.current.text == ",":
            self._advance()
            values.append(self._literal())
        self._expect_punct(")")
        return tuple(values)

    def _literal(self) -> Literal:
        token = self.current
        if token.kind == "string":
            self._advance()
            return Literal("string", token.value, token.position, token.pattern)
        if token.kind == "sign" and self.tokens[self.index + 1].kind == "number":
            self._advance()
            number = self._advance()
            value = _number(number.text)
            return Literal("number", -value if token.text == "-" else value, token.position)
        if token.kind == "number":
            self._advance()
            return Literal("number", _number(token.text), token.position)
        if token.kind == "datetime":
            self._advance()
            return Literal("datetime", self._checked(parse_datetime, token), token.position)
        if token.kind == "date":
            self._advance()
            return Literal("date", self._checked(parse_date, token), token.position)
        if self._is_keyword("TRUE", "FALSE"):
            self._advance()
            return Literal("boolean", token.text.upper() == "TRUE", token.position)
        if self._is_keyword("NULL"):
            self._advance()
            return Literal("null", None, token.position)
        if token.kind == "ident" and token.text.upper() not in KEYWORDS:
            self._unsupported(f"The date literal {token.text}")
        self._unexpected()
        raise AssertionError("unreachable")

    def _checked(self, parser: Any, token: Token) -> date | datetime:
        try:
            return parser(token.text)  # type: ignore[no-any-return]
        except ValueError:
            raise SoqlError("MALFORMED_QUERY", f"line 1:{token.position} no viable alternative at character "
                            f"'{token.text}'", self.soql, token.position) from None

    def _order_list(self) -> tuple[OrderItem, ...]:
        items = []
        while True:
            name = self._name()
            descending = self._accept_keyword("DESC")
            if not descending:
                self._accept_keyword("ASC")
            nulls_last = descending  # Salesforce's default: nulls first ascending, last descending
            if self._accept_keyword("NULLS"):
                if self._accept_keyword("LAST"):
                    nulls_last = True
                else:
                    self._expect_keyword("FIRST")
                    nulls_last = False
            items.append(OrderItem(FieldRef(name.text, name.position), descending, nulls_last))
            if self.current.text != ",":
                return tuple(items)
            self._advance()

    def _integer_clause(self, word: str) -> int | None:
        if not self._accept_keyword(word):
            return None
        token = self.current
        if token.kind != "number" or not token.text.isdigit():
            self._unexpected()
        self._advance()
        return int(token.text)


def _number(text: str) -> int | Decimal:
    # Exactly as written: Salesforce compares numbers as decimals, not as doubles.
    return Decimal(text) if "." in text else int(text)
