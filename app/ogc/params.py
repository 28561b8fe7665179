"""One query object per request, parsed from its arguments; bad input is rejected naming the parameter.

The items query (pg_featureserv's QueryParam): limit, keyset cursor, bbox and its
CRS, output CRS, datetime, property selection, and filters, which are either
`<property>=<value>` arguments (Part 1) or a CQL2 text `filter` (Part 3) parsed
here into a small tree that `app.queries.ogc` renders as SQL with bound values.
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import AppError, bad_parameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MAX_OFFSET = timedelta(hours=15, minutes=59)
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


@dataclass(frozen=True)
class Crs:
    """An output or bbox CRS: its URI, PostGIS SRID and whether its first axis is latitude/northing."""

    uri: str
    srid: int
    flip: bool = False
    projected: bool = False
    # Where PROJ can transform from, (min east, min north, max east, max north) in this CRS.
    domain: tuple[float, float, float, float] = (-180, -90, 180, 90)


# Gauss-Kruger CM zones over China: 500 km either side of the central meridian, the equator to 56°N (a box
# reaching the pole transforms, corner by corner, to a polygon that misses the county); Web Mercator's square.
_GAUSS_KRUGER = (0, 0, 1_000_000, 6_200_000)
_MERCATOR = (-20_037_508.34, -20_048_966.1, 20_037_508.34, 20_048_966.1)


# EPSG:4490 and 4326 are latitude first; the CGCS2000 3-degree Gauss-Kruger zones (EPSG:4534-4554,
# central meridians 75E to 135E; Guizhou lies in the CM 105E and 108E zones, EPSG:4544 and 4545) are
# northing first. CRS84 and Web Mercator are east first.
CRSS = {
    CRS84: Crs(CRS84, 4326),
    _EPSG.format(4490): Crs(_EPSG.format(4490), 4490, flip=True),
    _EPSG.format(4326): Crs(_EPSG.format(4326), 4326, flip=True),
    _EPSG.format(3857): Crs(_EPSG.format(3857), 3857, projected=True, domain=_MERCATOR),
    **{
        _EPSG.format(code): Crs(_EPSG.format(code), code, flip=True, projected=True, domain=_GAUSS_KRUGER)
        for code in range(4534, 4555)
    },
}
ITEM_ARGS = ("f", "limit", "bbox", "bbox-crs", "crs", "datetime", "properties", "filter", "filter-lang")
ITEM_ARGS += ("filter-crs", "cursor")


# --- the CQL2 tree ----------------------------------------------------------


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


@dataclass(frozen=True)
class Query:
    """What one items request asks for; built by `items`, read by `app.queries.ogc`."""

    limit: int
    crs: Crs
    bbox_crs: Crs
    after: str | None = None  # the last key of the previous page
    matched: int | None = None  # numberMatched carried from the first page
    bbox: tuple[float, float, float, float] | None = None  # east, north order, in bbox_crs
    period: tuple[datetime | None, datetime | None] | None = None  # from `datetime`
    properties: tuple[str, ...] | None = None
    filters: tuple = ()
    html: bool = False


# --- single parameters --------------------------------------------------------


def output_format(args: Mapping[str, str], *, accept_html: bool) -> bool:
    """Return True when the client asked for HTML (`f=html`, or a browser's Accept without `f`)."""
    value = args.get("f")
    if value is None:
        return accept_html
    if value not in ("json", "html"):
        raise bad_parameter("f", value, "json or html")
    return value == "html"


def json_only(args: Mapping[str, str]) -> None:
    """Refuse an `f` other than json, for documents that have no HTML form."""
    value = args.get("f")
    if value is not None and value != "json":
        raise bad_parameter("f", value, "json")


def crs(args: Mapping[str, str], name: str = "crs") -> Crs:
    """Return the CRS named by `name` (a URI, EPSG:<code> or [EPSG:<code>]); CRS84 when absent."""
    value = args.get(name)
    if value is None:
        return CRSS[CRS84]
    match = re.fullmatch(r"\[?EPSG:([0-9]+)\]?", value.strip(), flags=re.IGNORECASE)
    uri = _EPSG.format(match.group(1)) if match else value.strip()
    if uri in ("[OGC:CRS84]", "OGC:CRS84", "CRS84"):
        uri = CRS84
    if uri not in CRSS:
        raise bad_parameter(name, value, f"one of {CRS84}, EPSG:4490, 4326, 3857 or 4534 to 4554")
    return CRSS[uri]


def limit(args: Mapping[str, str], *, default: int, maximum: int) -> int:
    """Return `limit`, 1 to `maximum`."""
    value = args.get("limit")
    if value is None:
        return default
    if not re.fullmatch(r"[0-9]+", value) or not 1 <= int(value) <= maximum:
        raise bad_parameter("limit", value, f"an integer from 1 to {maximum}")
    return int(value)


def bbox(args: Mapping[str, str], box_crs: Crs) -> tuple[float, float, float, float] | None:
    """Return `bbox` as (min east, min north, max east, max north) in `box_crs`, honouring its axis order."""
    value = args.get("bbox")
    if value is None:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # with heights: drop them
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or any(n != n or abs(n) == float("inf") for n in numbers):
        raise bad_parameter("bbox", value, "four comma-separated numbers: min x, min y, max x, max y")
    if box_crs.flip:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    x0, y0, x1, y1 = numbers
    if x0 > x1 or y0 > y1:
        raise bad_parameter("bbox", value, "the lower corner must come first")
    west, south, east, north = box_crs.domain
    if box_crs.projected:  # no data lies beyond the projection's domain, which PROJ cannot transform from
        return (*_within(x0, y0, box_crs.domain), *_within(x1, y1, box_crs.domain))
    if not (x0 >= west and x1 <= east and y0 >= south and y1 <= north):
        raise bad_parameter("bbox", value, f"degrees within ±180 and ±90 in {box_crs.uri}")
    return x0, y0, x1, y1


def _within(x: float, y: float, domain: tuple[float, float, float, float]) -> tuple[float, float]:
    """Return the point of `domain` nearest to (x, y)."""
    west, south, east, north = domain
    return min(max(x, west), east), min(max(y, south), north)


def _instant(text: str, value: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_parameter(
            "datetime", value, "RFC 3339 instants, e.g. 2024-01-31T00:00:00Z or a/b"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if abs(moment.utcoffset()) > MAX_OFFSET:  # Python reads up to ±23:59, PostgreSQL only ±15:59
        raise bad_parameter("datetime", value, "a time-zone offset within ±15:59")
    return moment


def interval(args: Mapping[str, str], *, temporal: bool) -> tuple[datetime | None, datetime | None] | None:
    """Return `datetime` as (start, end), None for an open end; an instant is (t, t)."""
    value = args.get("datetime")
    if value is None:
        return None
    if not temporal:
        raise bad_parameter("datetime", value, "this collection has no time; omit datetime")
    if "/" in value:
        start, end = (_instant(part, value) for part in value.split("/", 1))
        if start and end and start > end:
            raise bad_parameter("datetime", value, "the start must not be after the end")
        return start, end
    moment = _instant(value, value)
    if moment is None:
        raise bad_parameter("datetime", value, "an instant or an interval a/b")
    return moment, moment


def selection(args: Mapping[str, str], properties: Mapping[str, str]) -> tuple[str, ...] | None:
    """Return the properties named in `properties=a,b`, each one the collection has."""
    value = args.get("properties")
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    for name in names:
        if name not in properties:
            raise bad_parameter("properties", value, f"{name!r} is not a property; see /queryables")
    return names


def _coerce(name: str, value: str, kind: str):
    """Return a query-argument value as the property's type."""
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "date-time":
            return _instant(value, value)
        if kind == "string":
            return value
    except (ValueError, AppError):
        pass
    raise bad_parameter(name, value, f"a {kind} value")


def property_filters(args: Mapping[str, str], properties: Mapping[str, str]) -> list[Compare]:
    """Return equality filters from `<property>=<value>` arguments; refuse unknown parameters."""
    found = []
    for name, value in args.items():
        if name in ITEM_ARGS:
            continue
        if name not in properties:
            raise bad_parameter(name, value, "not a parameter nor a queryable property of this collection")
        found.append(Compare("=", Prop(name), _coerce(name, value, properties[name])))
    return found


def cursor(args: Mapping[str, str]) -> tuple[str | None, int | None]:
    """Return (last key, numberMatched) from the opaque `cursor` of a `next` link."""
    value = args.get("cursor")
    if not value:  # absent, or empty as a client clearing it leaves it: the first page
        return None, None
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)))
        key, matched = data["k"], data.get("n")
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        key = matched = None
    # Only what encode_cursor writes: a key (a code, as text) and a count of at most a bigint.
    if not isinstance(key, str) or "\x00" in key or len(key) > 64:
        raise bad_parameter("cursor", value, "a cursor from a next link")
    if matched is not None and not (type(matched) is int and 0 <= matched < 2**63):
        raise bad_parameter("cursor", value, "a cursor from a next link")
    return key, matched


def encode_cursor(key: str, matched: int | None) -> str:
    """Return the opaque cursor of the page after `key`."""
    raw = json.dumps({"k": key, "n": matched}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- CQL2 text --------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
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
            return int(number) if re.fullmatch(r"[+-]?[0-9]+", value) else number
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
            try:
                return _instant(moment[1:-1], moment[1:-1])
            except AppError:
                raise self.fail(f"{moment} is not an RFC 3339 instant") from None
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


def cql2_filter(args: Mapping[str, str], properties: Mapping[str, str]) -> list:
    """Return the parsed `filter` (CQL2 text), or nothing when absent."""
    value = args.get("filter")
    lang = args.get("filter-lang", "cql2-text")
    if lang != "cql2-text":
        raise bad_parameter("filter-lang", lang, "cql2-text")
    crs_value = args.get("filter-crs")
    if crs_value is not None and crs(args, "filter-crs").uri != CRS84:
        raise bad_parameter("filter-crs", crs_value, CRS84)
    if value is None:
        return []
    if not value.strip():
        raise bad_parameter("filter", value, "a CQL2 text expression, e.g. dibao = true AND members > 3")
    if len(value) > 4000:
        raise bad_parameter("filter", value[:40] + "…", "at most 4,000 characters")
    try:
        return [_Parser(value, properties).parse()]
    except RecursionError:  # thousands of nested parentheses
        raise bad_parameter("filter", value[:40] + "…", "too deeply nested") from None


# --- the query objects --------------------------------------------------------


def items(
    args: Mapping[str, str],
    *,
    properties: Mapping[str, str],
    temporal: bool,
    default_limit: int,
    max_limit: int,
    accept_html: bool = False,
) -> Query:
    """Return the query of an items request; raise a 400 AppError naming any bad parameter."""
    box_crs = crs(args, "bbox-crs")
    if "bbox-crs" in args and "bbox" not in args:
        raise bad_parameter("bbox-crs", args["bbox-crs"], "only meaningful with bbox")
    after, matched = cursor(args)
    return Query(
        limit=limit(args, default=default_limit, maximum=max_limit),
        crs=crs(args),
        bbox_crs=box_crs,
        after=after,
        matched=matched,
        bbox=bbox(args, box_crs),
        period=interval(args, temporal=temporal),
        properties=selection(args, properties),
        filters=(*property_filters(args, properties), *cql2_filter(args, properties)),
        html=output_format(args, accept_html=accept_html),
    )


def item(args: Mapping[str, str], *, accept_html: bool = False) -> Query:
    """Return the query of a single-feature request (its CRS and format)."""
    for name, value in args.items():
        if name not in ("f", "crs"):
            raise bad_parameter(name, value, "a single feature accepts only f and crs")
    return Query(
        limit=1, crs=crs(args), bbox_crs=CRSS[CRS84], html=output_format(args, accept_html=accept_html)
    )
