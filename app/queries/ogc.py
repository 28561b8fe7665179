"""SQL of the OGC API - Features collections: one small function per clause (pg_featureserv style).

Each collection is a `Source`: a SELECT whose rows carry a stable key
(``__key``, the database code), a geometry in the storage CRS (``__geom``,
EPSG:4490), optionally a timestamp (``__time``) and the published properties,
already masked per privacy rules. The items query wraps it: filters apply to the
published values (so a filter on a masked name cannot probe the clear one), the
bbox is transformed to EPSG:4490 so the GiST index is used, pages follow the key
(keyset, never OFFSET) and each feature is built as GeoJSON by PostGIS.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..models import SRID, Household
from ..ogc import cql2 as p
from ..privacy import Rule
from ..suppression import Suppression
from . import (
    POINT_PRECISION,
    POLYGON_PRECISION,
    _rollup,
    _values,
    asof,
    demand_layers,
    household_fields,
    work_layers,
)
from .disclosure import Hide, disclosure_params

# Decimal places of projected coordinates (metres): centimetres for points, decimetres for outlines.
PROJECTED_PRECISION = {"Point": 2, "LineString": 2, "MultiPolygon": 1}
GEOGRAPHIC_PRECISION = {
    "Point": POINT_PRECISION,
    "LineString": POINT_PRECISION,
    "MultiPolygon": POLYGON_PRECISION,
}
# Geographic CRSs whose coordinates are the stored ones: CGCS2000 and WGS 84 agree to a few
# centimetres and PROJ has no transformation between them, so ST_Transform would be a no-op.
_SAME_AS_STORED = {SRID, 4326}


@dataclass(frozen=True)
class Source:
    """A collection's rows as SQL, and the JSON type of every property a filter may name."""

    sql: str
    properties: dict[str, str]  # name -> "string" | "integer" | "number" | "boolean" | "date-time"
    geometry: str  # GeoJSON type of every feature
    params: dict = field(default_factory=dict)
    temporal: bool = False  # rows carry __time, which `datetime` filters
    ranged: bool = False  # rows also carry __end (NULL: open), so `datetime` matches the overlap


def _python_type(column: str) -> str:
    kind = Household.__table__.c[column].type.python_type
    return {bool: "boolean", int: "integer", float: "number"}.get(kind, "string")


def _indicator_types(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Return the JSON type of each published indicator value (counts are integers, shares and means not)."""
    counts = {"households"} | {i.key for i in indicators.INDICATORS if i.kind == "share"}
    flags = {f"{i.key}_suppressed" for i in indicators.SENSITIVE}
    return {
        name: "integer" if name in counts else "boolean" if name in flags else "number" for name, _ in pairs
    }


def _columns(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f'{sql} AS "{name}"' for name, sql in pairs)


# --- sources ----------------------------------------------------------------


def households(
    rules: dict[str, Rule], *, villages: frozenset[int] | None, as_of: datetime | None = None
) -> Source:
    """Return households with their fields shown, masked or omitted per `rules`.

    Parameters
    ----------
    rules
        `privacy.field_rules` of the user's detail.
    villages
        Only households in these administrative villages (a cadre's); all when None.
    as_of
        The households as they were at this moment (their versions); now when None.
    """
    pairs = [
        *household_fields(rules),
        ("natural_village", "nv.natural_village"),
        ("updated_at", "household.updated_at"),
    ]
    types = {name: _python_type(name) for name, _ in pairs if name in Household.__table__.c}
    types.update(natural_village="string", updated_at="date-time")
    scope = "WHERE nv.nv_village = ANY(:villages)" if villages is not None else ""
    # natural_village's columns are renamed so household_fields' bare names stay unambiguous.
    sql = f"""
        SELECT household.code AS __key, household.geom AS __geom, household.updated_at AS __time,
               {_columns(pairs)}
        FROM {asof.households(as_of)} household
        JOIN (SELECT id AS nv_id, code AS natural_village, village_id AS nv_village
              FROM natural_village) nv ON nv.nv_id = household.natural_village_id
        {scope}"""
    params = {"villages": sorted(villages)} if villages is not None else {}
    return Source(sql, types, "Point", params, temporal=True)


def pairings(rules: dict[str, Rule], *, villages: frozenset[int] | None) -> Source:
    """Return pairings as lines from the cadre's patch to the household; `datetime` matches their validity."""
    layer = work_layers.pairings(rules, villages=villages)
    return Source(layer.sql, layer.properties, "LineString", layer.params, temporal=True, ranged=True)


def visits(rules: dict[str, Rule], *, villages: frozenset[int] | None) -> Source:
    """Return visits as points (logged, else the household's); `datetime` matches their day."""
    layer = work_layers.visits(rules, villages=villages)
    return Source(layer.sql, layer.properties, "Point", layer.params, temporal=True)


def demands(*, villages: frozenset[int] | None, department: str | None) -> Source:
    """Return demands as points with their text (for readers who list them); `datetime` matches their day."""
    layer = demand_layers.demands(villages=villages, department=department)
    return Source(layer.sql, layer.properties, "Point", layer.params, temporal=True)


def natural_villages(suppression: Suppression) -> Source:
    """Return natural villages with the household count per indicator (sensitive ones per `suppression`).

    Counts come from the `natural_village_stats` view (rebuilt after every bulk write), so a
    page costs milliseconds rather than an aggregate over every household.
    """
    values = _values("s", hide=Hide(suppression, "nv.id", "natural_village"))
    pairs = [
        ("code", "nv.code"),
        ("name", "nv.name"),
        ("village_code", "v.code"),
        ("village", "v.name"),
        ("township", "t.name"),
        *values,
    ]
    sql = f"""
        SELECT nv.code AS __key, nv.geom AS __geom, {_columns(pairs)}
        FROM natural_village nv
        JOIN admin_unit v ON v.id = nv.village_id
        JOIN admin_unit t ON t.id = v.parent_id
        LEFT JOIN natural_village_stats s ON s.natural_village_id = nv.id"""
    types = dict.fromkeys(("code", "name", "village_code", "village", "township"), "string")
    return Source(sql, types | _indicator_types(values), "MultiPolygon", disclosure_params(suppression))


def _admin_units(
    level: str, group: str, parent: list[tuple[str, str]], joins: str, suppression: Suppression
) -> Source:
    """Return administrative units of `level` with indicator counts rolled up from natural villages."""
    values = _values("r", hide=Hide(suppression, "u.id", "unit"))
    pairs = [("code", "u.code"), ("name", "u.name"), *parent, *values]
    sql = f"""
        SELECT u.code AS __key, u.geom AS __geom, {_columns(pairs)}
        FROM admin_unit u
        {joins}
        LEFT JOIN (
            SELECT {group} AS unit_id, {_rollup("s")}
            FROM natural_village nv
            JOIN admin_unit v ON v.id = nv.village_id
            LEFT JOIN natural_village_stats s ON s.natural_village_id = nv.id
            GROUP BY {group}) r ON r.unit_id = u.id
        WHERE u.level = '{level}'"""
    types = dict.fromkeys([name for name, _ in pairs[: 2 + len(parent)]], "string")
    return Source(sql, types | _indicator_types(values), "MultiPolygon", disclosure_params(suppression))


def villages(suppression: Suppression) -> Source:
    """Return administrative villages with household counts per indicator (sensitive per `suppression`)."""
    return _admin_units(
        "village",
        "v.id",
        [("township_code", "t.code"), ("township", "t.name")],
        "JOIN admin_unit t ON t.id = u.parent_id",
        suppression,
    )


def townships(suppression: Suppression) -> Source:
    """Return townships with household counts per indicator (sensitive ones per `suppression`)."""
    return _admin_units("township", "v.parent_id", [], "", suppression)


# --- clauses ----------------------------------------------------------------


def _geometry(q, source: Source) -> str:
    """Return the GeoJSON text of a feature's geometry in the output CRS and its axis order."""
    geom = "q.__geom" if q.crs.srid in _SAME_AS_STORED else f"ST_Transform(q.__geom, {q.crs.srid})"
    if q.crs.flip:
        geom = f"ST_FlipCoordinates({geom})"
    table = PROJECTED_PRECISION if q.crs.projected else GEOGRAPHIC_PRECISION
    return f"ST_AsGeoJSON({geom}, {table[source.geometry]}, 0)"  # 0: no "crs" member


def _properties(q, source: Source) -> str:
    names = q.properties if q.properties is not None else tuple(source.properties)
    return "json_build_object(" + ", ".join(f"'{name}', q.\"{name}\"" for name in names) + ")"


def _feature(q, source: Source) -> str:
    """Return the expression of a Feature's GeoJSON text.

    Concatenated rather than built with json_build_object: the geometry text is not parsed
    again, which halves the time of a 10,000-feature page.
    """
    return (
        """'{"type":"Feature","id":' || to_json(q.__key)::text || ',"geometry":' || """
        f"""{_geometry(q, source)} || ',"properties":' || {_properties(q, source)}::text || '}}'"""
    )


def _bbox(q, params: dict) -> str:
    """Return the bbox condition, the box transformed to the column's CRS so the GiST index is used."""
    if q.bbox is None:
        return ""
    params.update(zip(("x0", "y0", "x1", "y1"), q.bbox, strict=True))
    box = f"ST_MakeEnvelope(:x0, :y0, :x1, :y1, {SRID})"
    if q.bbox_crs.srid not in _SAME_AS_STORED:
        box = f"ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, {q.bbox_crs.srid}), {SRID})"
    return f"ST_Intersects(q.__geom, {box})"


def _datetime(q, source: Source, params: dict) -> str:
    """Return the datetime condition: the row's instant in the period, or its range overlapping it."""
    if q.period is None:
        return ""
    start, end = q.period
    parts = []
    if start is not None:
        parts.append("(q.__end IS NULL OR q.__end > :t0)" if source.ranged else "q.__time >= :t0")
        params["t0"] = start
    if end is not None:
        parts.append("q.__time <= :t1")
        params["t1"] = end
    return " AND ".join(parts)


def _operand(node, params: dict) -> str:
    if isinstance(node, p.Prop):
        return f'q."{node.name}"'
    name = f"f{len(params)}"  # params only grows, so the name is unique
    params[name] = node
    return f":{name}"


def _expression(node, params: dict) -> str:
    """Return SQL for a parsed CQL2 expression; literals are bound, never spliced."""
    if isinstance(node, p.And | p.Or):
        joiner = " AND " if isinstance(node, p.And) else " OR "
        return "(" + joiner.join(_expression(item, params) for item in node.items) + ")"
    if isinstance(node, p.Not):
        return f"(NOT {_expression(node.item, params)})"
    if isinstance(node, p.IsNull):
        return f'(q."{node.prop.name}" IS {"NOT " if node.negated else ""}NULL)'
    return f"({_operand(node.left, params)} {node.op} {_operand(node.right, params)})"


def _filters(q, params: dict) -> list[str]:
    return [_expression(node, params) for node in q.filters]


def _after(q, params: dict) -> str:
    if q.after is None:
        return ""
    params["after"] = q.after
    return "q.__key > :after"


def _where(parts: list[str]) -> str:
    parts = [part for part in parts if part]
    return "WHERE " + " AND ".join(parts) if parts else ""


# --- statements -------------------------------------------------------------


def features(source: Source, q) -> list[tuple[str, str]]:
    """Return (key, GeoJSON Feature text) of one page plus one row, which says whether another page follows.

    PostgreSQL builds each feature's text; the page comes back in one round trip.
    """
    params = dict(source.params)
    where = _where([_bbox(q, params), _datetime(q, source, params), *_filters(q, params), _after(q, params)])
    params["limit"] = q.limit + 1
    sql = f"""
        SELECT q.__key, {_feature(q, source)}
        FROM ({source.sql}) q
        {where}
        ORDER BY q.__key
        LIMIT :limit"""
    return db.session.execute(text(sql), params).tuples().all()


def feature(source: Source, key: str, q) -> str | None:
    """Return one feature's GeoJSON text; None when there is none with `key` or the user may not see it."""
    params = {**source.params, "key": key}
    sql = f"SELECT {_feature(q, source)} FROM ({source.sql}) q WHERE q.__key = :key"
    return db.session.execute(text(sql), params).scalar_one_or_none()


def number_matched(source: Source, q) -> int:
    """Return exactly how many features the query matches across its pages.

    Counted on a listing's first page only (later pages leave numberMatched out), so a
    listing of 170,000 households in pages pays for one count, not one per page.
    """
    params = dict(source.params)
    where = _where([_bbox(q, params), _datetime(q, source, params), *_filters(q, params)])
    return db.session.execute(text(f"SELECT count(*) FROM ({source.sql}) q {where}"), params).scalar_one()


def time_extent(source: Source) -> tuple[datetime, datetime] | None:
    """Return the first and last time of `source`'s rows (the user's households); None when none has one."""
    last = "max(coalesce(q.__end, now()))" if source.ranged else "max(q.__time)"
    sql = f"SELECT min(q.__time), {last} FROM ({source.sql}) q"
    first, last = db.session.execute(text(sql), source.params).one()
    return None if first is None else (first, last)


def extent() -> tuple[float, float, float, float] | None:
    """Return the CRS84 bounding box of all layers (the county's), or None when none is loaded."""
    row = db.session.execute(
        text("""
            SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
            FROM (SELECT ST_Extent(geom) AS e FROM admin_unit WHERE level = 'county') c""")
    ).first()
    return None if row is None or row[0] is None else tuple(float(v) for v in row)


def values(source: Source, name: str) -> list[float | None]:
    """Return the numeric property `name` of every feature of `source`, in key order (for classing)."""
    if source.properties.get(name) not in ("integer", "number"):
        raise ValueError(f"{name!r} is not a numeric property of this source")
    sql = f'SELECT q."{name}" FROM ({source.sql}) q ORDER BY q.__key'
    return [None if v is None else float(v) for v in db.session.execute(text(sql), source.params).scalars()]
