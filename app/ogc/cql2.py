"""CQL2 text (OGC API - Features Part 3) parsed into a small tree that `app.queries.ogc` renders as SQL.

Only what this service implements: comparisons, AND, OR, NOT, IS [NOT] NULL and
TIMESTAMP('…'); every literal is bound as a value, never spliced into SQL.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..errors import AppError, bad_parameter
from .times import instant


@dataclass(frozen=True)
class Prop:
    name: str


@dataclass(frozen=True)
class Compare:
    op: str
    left: object  # Prop or a literal (str, int, float, bool, datetime)
    right: object


@dataclass(frozen=True)
class IsNull:
    prop: Prop
    negated: bool = False


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<op><=|>=|<>|=|<|>)
      | (?P<paren>[()])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*|"[^"]+")
    )""",
    re.VERBOSE,
)
_ORDERED = ("string", "integer", "number", "date-time")


class _Parser:
    """A recursive-descent parser for the CQL2 text this service implements.

    Grammar: or := and (OR and)*; and := not (AND not)*; not := NOT not | '(' or ')' | predicate;
    predicate := operand (op operand | IS [NOT] NULL); operand := property | 'string' | number |
    TRUE | FALSE | TIMESTAMP('...').
    """

    def __init__(self, source: str, properties: Mapping[str, str]):
        self.source = source
        self.properties = properties
        self.tokens = self._tokenize(source)
        self.at = 0

    def fail(self, why: str) -> AppError:
        return bad_parameter("filter", self.source, why)

    def _tokenize(self, source: str) -> list[tuple[str, str]]:
        tokens, at = [], 0
        while source[at:].strip():
            match = _TOKEN.match(source, at)
            if not match:
                raise self.fail(f"cannot read {source[at:].strip()[:20]!r}")
            kind = match.lastgroup
            tokens.append((kind, match.group(kind)))
            at = match.end()
        return tokens

    def peek(self, upper: bool = True) -> str | None:
        if self.at >= len(self.tokens):
            return None
        kind, value = self.tokens[self.at]
        return value.upper() if upper and kind == "name" else value

    def take(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise self.fail("unexpected end")
        self.at += 1
        return self.tokens[self.at - 1]

    def expect(self, value: str) -> None:
        kind, got = self.take()
        if (got.upper() if kind == "name" else got) != value:
            raise self.fail(f"expected {value!r}, found {got!r}")

    def parse(self):
        node = self.disjunction()
        if self.at < len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.at][1]!r}")
        return node

    def disjunction(self):
        items = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self):
        items = [self.negation()]
        while self.peek() == "AND":
            self.take()
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(tuple(items))

    def negation(self):
        if self.peek() == "NOT":
            self.take()
            return Not(self.negation())
        if self.peek() == "(":
            self.take()
            node = self.disjunction()
            self.expect(")")
            return node
        return self.predicate()

    def predicate(self):
        left = self.operand()
        if self.peek() == "IS":
            self.take()
            negated = self.peek() == "NOT"
            if negated:
                self.take()
            self.expect("NULL")
            if not isinstance(left, Prop):
                raise self.fail("IS NULL needs a property on its left")
            return IsNull(left, negated)
        kind, op = self.take()
        if kind != "op":
            raise self.fail(f"expected a comparison operator, found {op!r}")
        right = self.operand()
        self.check(left, op, right)
        return Compare(op, left, right)

    def operand(self):
        kind, value = self.take()
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "number":
            number = float(value)
            return int(number) if re.fullmatch(r"[+-]?\d+", value) else number
        if kind != "name":
            raise self.fail(f"expected a property or a value, found {value!r}")
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        if value.upper() in ("TIMESTAMP", "DATE") and self.peek() == "(":
            self.take()
            kind, moment = self.take()
            self.expect(")")
            if kind != "string":
                raise self.fail(f"{value.upper()}(...) needs a quoted instant")
            found = instant(moment[1:-1], self.source, name="filter")
            if found is None:
                raise self.fail(f"{moment} is not an RFC 3339 instant")
            return found
        name = value.strip('"')
        if name not in self.properties:
            known = ", ".join(self.properties)
            raise self.fail(f"unknown property {name!r} (queryables: {known})")
        return Prop(name)

    def kind(self, operand) -> str:
        if isinstance(operand, Prop):
            return self.properties[operand.name]
        if isinstance(operand, bool):
            return "boolean"
        if isinstance(operand, datetime):
            return "date-time"
        return {int: "integer", float: "number"}.get(type(operand), "string")

    def check(self, left, op: str, right) -> None:
        """Refuse comparisons of values of different types, and ordering of booleans."""
        kinds = {self.kind(left), self.kind(right)}
        if not (len(kinds) == 1 or kinds == {"integer", "number"}):
            raise self.fail(f"cannot compare {' and '.join(sorted(kinds))} values")
        if op not in ("=", "<>") and not kinds <= set(_ORDERED):
            raise self.fail(f"{op} needs numbers, strings or instants")


def parse(source: str, properties: Mapping[str, str]):
    """Return the tree of CQL2 text `source` over `properties` (name -> JSON type); a 400 names `filter`."""
    if not source.strip():
        raise bad_parameter("filter", source, "a CQL2 text expression, e.g. dibao = true AND members > 3")
    if len(source) > 4000:
        raise bad_parameter("filter", source[:40] + "…", "at most 4,000 characters")
    try:
        return _Parser(source, properties).parse()
    except RecursionError:  # thousands of nested parentheses
        raise bad_parameter("filter", source[:40] + "…", "too deeply nested") from None
