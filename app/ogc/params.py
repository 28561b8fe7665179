"""One query object per request, parsed from its arguments; bad input is rejected naming the parameter.

The items query (pg_featureserv's QueryParam): limit, keyset cursor, bbox and its
CRS, output CRS, datetime, property selection, and filters, which are either
`<property>=<value>` arguments (Part 1) or a CQL2 text `filter` (Part 3) parsed
by `cql2` into a small tree that `app.queries.ogc` renders as SQL with bound values.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..errors import bad_parameter
from . import cql2
from .chains import Position
from .cql2 import Compare, Prop
from .crs import CRS84, CRSS, EPSG_URI, Crs, domain
from .times import instant

ITEM_ARGS = ("f", "limit", "bbox", "bbox-crs", "crs", "datetime", "properties", "filter", "filter-lang")
ITEM_ARGS += ("filter-crs", "cursor", "as_of")  # as_of: households only (a vendor parameter, #13)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Query:
    """What one items request asks for; built by `items`, read by `app.queries.ogc`."""

    limit: int
    crs: Crs
    bbox_crs: Crs
    after: str | None = None  # the last key of the previous page
    bbox: tuple[float, float, float, float] | None = None  # east, north order, in bbox_crs
    period: tuple[datetime | None, datetime | None] | None = None  # from `datetime`
    properties: tuple[str, ...] | None = None
    filters: tuple = ()
    html: bool = False


# --- single parameters --------------------------------------------------------


def plain_text(args: Mapping[str, str]) -> None:
    """Refuse a NUL character in any argument's name or value: PostgreSQL text cannot hold one."""
    for name, value in args.items():
        if "\x00" in name or "\x00" in value:
            raise bad_parameter(name, value, "text without NUL characters")


def output_format(args: Mapping[str, str], *, accept_html: bool) -> bool:
    """Return True when the client asked for HTML (`f=html`, or a browser's Accept without `f`)."""
    value = args.get("f")
    if value is None:
        return accept_html
    if value not in ("json", "html"):
        raise bad_parameter("f", value, "json or html")
    return value == "html"


def crs(args: Mapping[str, str], name: str = "crs") -> Crs:
    """Return the CRS named by `name` (a URI, EPSG:<code> or [EPSG:<code>]); CRS84 when absent."""
    value = args.get(name)
    if value is None:
        return CRSS[CRS84]
    match = re.fullmatch(r"\[?EPSG:([0-9]+)\]?", value.strip(), flags=re.IGNORECASE)
    uri = EPSG_URI.format(match.group(1)) if match else value.strip()
    if uri in ("[OGC:CRS84]", "OGC:CRS84", "CRS84"):
        uri = CRS84
    if uri not in CRSS:
        raise bad_parameter(name, value, f"one of {CRS84}, EPSG:4490, 4326, 3857 or 4534 to 4554")
    return CRSS[uri]


def limit(args: Mapping[str, str], *, default: int, maximum: int) -> int:
    """Return `limit`: a positive integer, clamped to `maximum`.

    Above the maximum the page is the maximum (pygeoapi's and pg_featureserv's practice), so
    a client asking for more, such as GDAL with PAGE_SIZE=20000, pages on rather than fails.
    """
    value = args.get("limit")
    if value is None:
        return default
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise bad_parameter("limit", value, f"a positive integer (at most {maximum} are returned)")
    return min(int(value), maximum)


def bbox(args: Mapping[str, str], box_crs: Crs) -> tuple[float, float, float, float] | None:
    """Return `bbox` as (min east, min north, max east, max north) in `box_crs`, honouring its axis order."""
    value = args.get("bbox")
    if value is None:
        return None
    parts = value.split(",")
    # ASCII numbers only: float() would also read "１", "nan", "1_000" and " 1 ".
    numbers = [float(part) for part in parts] if all(_NUMBER.fullmatch(part) for part in parts) else []
    if len(numbers) == 6:  # with heights: drop them
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or any(n != n or abs(n) == float("inf") for n in numbers):
        raise bad_parameter("bbox", value, "four comma-separated numbers: min x, min y, max x, max y")
    if box_crs.flip:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    x0, y0, x1, y1 = numbers
    if x0 > x1 or y0 > y1:
        raise bad_parameter("bbox", value, "the lower corner must come first")
    if not box_crs.projected and not (x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90):
        raise bad_parameter("bbox", value, f"degrees within ±180 and ±90 in {box_crs.uri}")
    if box_crs.projected:
        e0, n0, e1, n1 = domain(box_crs.srid)
        if not (x0 >= e0 and x1 <= e1 and y0 >= n0 and y1 <= n1):
            where = f"east {e0:.0f} to {e1:.0f}, north {n0:.0f} to {n1:.0f}"
            raise bad_parameter("bbox", value, f"metres within {box_crs.uri}'s area of use: {where}")
    return x0, y0, x1, y1


def interval(args: Mapping[str, str], *, temporal: bool) -> tuple[datetime | None, datetime | None] | None:
    """Return `datetime` as (start, end), None for an open end; an instant is (t, t)."""
    value = args.get("datetime")
    if value is None:
        return None
    if not temporal:
        raise bad_parameter("datetime", value, "this collection has no time; omit datetime")
    if "/" in value:
        start, end = (instant(part, value) for part in value.split("/", 1))
        if start and end and start > end:
            raise bad_parameter("datetime", value, "the start must not be after the end")
        return start, end
    moment = instant(value, value)
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
    if kind == "date-time" and (moment := instant(value, value, name=name)) is not None:
        return moment
    try:
        if kind == "integer" and re.fullmatch(r"[+-]?[0-9]{1,18}", value):  # a bigint, ASCII digits
            return int(value)
        if kind == "number" and value.isascii() and math.isfinite(number := float(value)):
            return number
        if kind == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "string":
            return value
    except ValueError:
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


def cql2_filter(args: Mapping[str, str], properties: Mapping[str, str]) -> list:
    """Return the parsed `filter` (CQL2 text), or nothing when absent."""
    value = args.get("filter")
    lang = args.get("filter-lang", "cql2-text")
    if lang != "cql2-text":
        raise bad_parameter("filter-lang", lang, "cql2-text")
    crs_value = args.get("filter-crs")
    if crs_value is not None and crs(args, "filter-crs").uri != CRS84:
        raise bad_parameter("filter-crs", crs_value, CRS84)
    return [] if value is None else [cql2.parse(value, properties)]


# --- the query objects --------------------------------------------------------


def items(
    args: Mapping[str, str],
    *,
    properties: Mapping[str, str],
    temporal: bool,
    default_limit: int,
    max_limit: int,
    position: Position | None = None,
    accept_html: bool = False,
) -> Query:
    """Return the query of an items request; raise a 400 AppError naming any bad parameter.

    `position` is where the page starts, read from the `cursor` by `chains.Chain.read`.
    """
    plain_text(args)
    box_crs = crs(args, "bbox-crs")
    if "bbox-crs" in args and "bbox" not in args:
        raise bad_parameter("bbox-crs", args["bbox-crs"], "only meaningful with bbox")
    return Query(
        limit=limit(args, default=default_limit, maximum=max_limit),
        crs=crs(args),
        bbox_crs=box_crs,
        after=None if position is None else position.after,
        bbox=bbox(args, box_crs),
        period=interval(args, temporal=temporal),
        properties=selection(args, properties),
        filters=(*property_filters(args, properties), *cql2_filter(args, properties)),
        html=output_format(args, accept_html=accept_html),
    )


def item(args: Mapping[str, str], *, feature_id: str, accept_html: bool = False) -> Query:
    """Return the query of a single-feature request (its CRS and format) for feature `feature_id`."""
    plain_text({"featureId": feature_id})
    plain_text(args)
    for name, value in args.items():
        if name not in ("f", "crs"):
            raise bad_parameter(name, value, "a single feature accepts only f and crs")
    return Query(
        limit=1, crs=crs(args), bbox_crs=CRSS[CRS84], html=output_format(args, accept_html=accept_html)
    )
