"""Every SQL statement that touches geometry (this package is the only place that writes spatial SQL).

Functions here take plain arguments and return plain values (rows as dicts,
GeoJSON as text built by PostgreSQL); none of them knows about Flask requests.
GeoJSON is built in the database because it is many times faster than
serialising geometries in Python.
"""

import dataclasses
import datetime
import io
from collections.abc import Iterable

import shapely
from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..models import SRID
from ..privacy import Rule
from ..suppression import Suppression
from .disclosure import Hide, disclosure_params, published_sql

# Decimal places of degrees in GeoJSON: 1e-5 deg is about 1 m, enough for a
# boundary on a county map; household points keep 1e-7 (about 1 cm).
POLYGON_PRECISION = 5
POINT_PRECISION = 7

# Non-personal household columns every household output carries: the ones the
# indicators read, plus the member count.
HOUSEHOLD_COLUMNS = ("members", *dict.fromkeys(i.column for i in indicators.INDICATORS if i.column))

# Work indicators read the household's derived work state as `w` (app.work_models.HouseholdWork).
WORK_JOIN = "LEFT JOIN household_work w ON w.household_id = h.id"
# The photos of visits and demands (#11, #12) go with them; their files stay in PHOTO_FOLDER.
WORK_TABLES = ("photo", "household_work", "visit", "measure", "pairing", "cadre_patch", "cadre")
# People's demands (#12) are placed in the county's natural villages: a new county starts without them.
DEMAND_TABLES = ("demand_event", "demand", "demand_tally", "demand_count")

_MASK_SQL = {
    "head_name": "left({c}, 1) || '*'",
    "id_number": "left({c}, 4) || '**********' || right({c}, 4)",
}


# --- statistics -------------------------------------------------------------


def _aggregates(only: Iterable[indicators.Indicator] = indicators.INDICATORS, *, day: str = "") -> str:
    """Return the SELECT list that aggregates households per group (as of `day`, a date literal).

    A sensitive indicator also counts its candidates (households its `ruled_out_by` flags do not
    exclude), which small-count suppression weighs its count against.
    """
    parts = ["count(*) AS households"]
    for i in only:
        if day:
            i = dataclasses.replace(i, sql=i.sql.replace("current_date", day))
        if i.kind == "share":
            parts.append(f"count(*) FILTER (WHERE {i.sql}) AS {i.key}")
            if i.sensitive:
                parts.append(
                    f"count(*) FILTER (WHERE NOT ({indicators.ruled_out_sql(i)})) AS {i.key}__candidates"
                )
        else:
            parts.append(f"sum({i.sql}) AS {i.key}__sum, count({i.sql}) AS {i.key}__n")
    return ",\n".join(parts)


def _rollup(alias: str, only: Iterable[indicators.Indicator] = indicators.INDICATORS) -> str:
    """Return the SELECT list that sums per-natural-village aggregates from `alias`."""
    parts = [f"coalesce(sum({alias}.households), 0) AS households"]
    for i in only:
        if i.kind == "share":
            parts.append(f"coalesce(sum({alias}.{i.key}), 0) AS {i.key}")
            if i.sensitive:
                parts.append(f"coalesce(sum({alias}.{i.key}__candidates), 0) AS {i.key}__candidates")
        else:
            parts.append(f"sum({alias}.{i.key}__sum) AS {i.key}__sum")
            parts.append(f"coalesce(sum({alias}.{i.key}__n), 0) AS {i.key}__n")
    return ",\n".join(parts)


def _values(
    alias: str, only: Iterable[indicators.Indicator] = indicators.INDICATORS, *, hide: Hide | None = None
) -> list[tuple[str, str]]:
    """Return (name, SQL) pairs of the indicators' published values from aggregates in `alias`.

    A sensitive indicator's count and share are NULL where `hide` withholds them, and
    ``<key>_suppressed`` says so.
    """
    pairs = [("households", f"coalesce({alias}.households, 0)")]
    for i in only:
        if i.kind == "share":
            count = f"coalesce({alias}.{i.key}, 0)"
            share = f"round({count}::numeric / nullif({alias}.households, 0), 4)"
            if not i.sensitive:
                pairs += [(i.key, count), (f"{i.key}_share", share)]
                continue
            published = published_sql(alias, i, hide)
            if published != "true":
                count, share = (f"CASE WHEN {published} THEN {sql} END" for sql in (count, share))
            pairs += [(i.key, count), (f"{i.key}_share", share), (f"{i.key}_suppressed", f"NOT {published}")]
        else:
            pairs.append((i.key, f"round({alias}.{i.key}__sum::numeric / nullif({alias}.{i.key}__n, 0))"))
    return pairs


def _json_object(pairs: Iterable[tuple[str, str]]) -> str:
    return "json_build_object(" + ", ".join(f"'{name}', {sql}" for name, sql in pairs) + ")"


def _natural_village_stats(
    where: str = "",
    only: Iterable[indicators.Indicator] = indicators.INDICATORS,
    *,
    as_of: datetime.datetime | None = None,
) -> str:
    """Return a CTE body aggregating households (as they were at `as_of`, when given) per natural village."""
    only = list(only)
    work = asof.work(as_of) if any(i.reads == "work" for i in only) else ""
    return f"""
        SELECT h.natural_village_id, {_aggregates(only, day=asof.day(as_of))}
        FROM {asof.households(as_of)} h
        {work}
        {where}
        GROUP BY h.natural_village_id"""


# --- reading ----------------------------------------------------------------


def county() -> dict | None:
    """Return the county's code, name and CRS84 bounding box, or None when none is loaded."""
    row = (
        db.session.execute(
            text("""
            SELECT code, name, ST_XMin(e) AS west, ST_YMin(e) AS south,
                   ST_XMax(e) AS east, ST_YMax(e) AS north
            FROM (SELECT code, name, ST_Envelope(geom) AS e FROM admin_unit
                  WHERE level = 'county' ORDER BY code LIMIT 1) c""")
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def admin_unit(code: str) -> dict | None:
    """Return the administrative unit with division code `code`, or None."""
    row = (
        db.session.execute(
            text("SELECT id, code, name, level, parent_id FROM admin_unit WHERE code = :code"),
            {"code": code},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def natural_village(code: str) -> dict | None:
    """Return the natural village with code `code` and its village, or None."""
    row = (
        db.session.execute(
            text("""
            SELECT nv.id, nv.code, nv.name, nv.village_id, v.code AS village_code,
                   v.name AS village_name
            FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id
            WHERE nv.code = :code"""),
            {"code": code},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def natural_villages_geojson(
    *,
    suppression: Suppression,
    township_id: int | None = None,
    only: Iterable[indicators.Indicator] = indicators.INDICATORS,
    precision: int = POLYGON_PRECISION,
    as_of: datetime.datetime | None = None,
) -> str:
    """Return natural villages with their indicator statistics as a GeoJSON FeatureCollection.

    Parameters
    ----------
    suppression
        The reader's (`app.disclosure.for_user`): which sensitive counts are withheld.
    township_id
        Only this township's natural villages; all of the county when None.
    only
        The indicators whose values the properties carry (a map needs one; programs all).
    precision
        Decimal places of coordinates.
    as_of
        Statistics of the households as they were at this moment; now when None.
    """
    where = "WHERE t.id = :township_id" if township_id is not None else ""
    stats_filter = (
        """JOIN natural_village nv ON nv.id = h.natural_village_id
           JOIN admin_unit v ON v.id = nv.village_id
           WHERE v.parent_id = :township_id"""
        if township_id is not None
        else ""
    )
    properties = [
        ("code", "nv.code"),
        ("name", "nv.name"),
        ("village", "v.name"),
        ("township", "t.name"),
        *_values("s", only, hide=Hide(suppression, "nv.id", "natural_village")),
    ]
    sql = f"""
        WITH s AS ({_natural_village_stats(stats_filter, only, as_of=as_of)})
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(f ORDER BY code), '[]'::json))::text
        FROM (
            SELECT nv.code, json_build_object(
                'type', 'Feature',
                'id', nv.code,
                'geometry', ST_AsGeoJSON(nv.geom, {precision})::json,
                'properties', {_json_object(properties)}) AS f
            FROM natural_village nv
            JOIN admin_unit v ON v.id = nv.village_id
            JOIN admin_unit t ON t.id = v.parent_id
            LEFT JOIN s ON s.natural_village_id = nv.id
            {where}) q"""
    params = {"township_id": township_id, **disclosure_params(suppression)}
    return db.session.execute(text(sql), params).scalar_one()


def townships_geojson(*, precision: int = POLYGON_PRECISION) -> str:
    """Return township outlines with names as a GeoJSON FeatureCollection (`precision`: decimals)."""
    return db.session.execute(
        text(f"""
            SELECT json_build_object(
                'type', 'FeatureCollection',
                'features', coalesce(json_agg(json_build_object(
                    'type', 'Feature', 'id', code,
                    'geometry', ST_AsGeoJSON(geom, {precision})::json,
                    'properties', json_build_object(
                        'code', code, 'name', name,
                        'label_x', round(ST_X(ST_PointOnSurface(geom))::numeric, 5),
                        'label_y', round(ST_Y(ST_PointOnSurface(geom))::numeric, 5)))
                    ORDER BY code), '[]'::json))::text
            FROM admin_unit WHERE level = 'township'""")
    ).scalar_one()


def household_fields(rules: dict[str, Rule]) -> list[tuple[str, str]]:
    """Return (name, SQL) pairs of a household's fields over table `household`, per privacy `rules`.

    A masked field is masked here, in SQL, so its clear value never leaves the database.
    """
    fields = [("code", "code")]
    for field in ("head_name", "id_number", "address"):
        if (sql := personal_sql(field, rules, field)) is not None:
            fields.append((field, sql))
    for column in HOUSEHOLD_COLUMNS:
        if rules.get(column, Rule.SHOW) is Rule.SHOW:
            fields.append((column, column))
    return fields


def personal_sql(field: str, rules: dict[str, Rule], column: str) -> str | None:
    """Return SQL for personal `field` (head_name, id_number, address) read from `column` as `rules`
    say: the column, its masked value, or None when omitted. A member's name and ID number follow the
    head's rules (#13)."""
    rule = rules[field]
    if rule is Rule.SHOW:
        return column
    if rule is Rule.MASK:
        return _MASK_SQL[field].format(c=column)
    return None


def flags_sql(flags: Iterable[indicators.Indicator]) -> str:
    """Return SQL for the array of the keys of `flags` a household row satisfies."""
    cases = ", ".join(f"CASE WHEN {i.sql} THEN '{i.key}' END" for i in flags)
    return f"array_remove(ARRAY[{cases}]::text[], NULL)"


def households_geojson(
    natural_village_id: int,
    rules: dict[str, Rule],
    *,
    flags: Iterable[indicators.Indicator] = (),
    as_of: datetime.datetime | None = None,
) -> str:
    """Return a natural village's households as GeoJSON, each field shown, masked or omitted per `rules`.

    Parameters
    ----------
    flags
        Indicators whose keys each household lists in its ``flags`` property when it satisfies them.
    as_of
        The households as they were at this moment; now when None.
    """
    properties = household_fields(rules)
    flags = list(flags)
    if flags:
        properties.append(("flags", flags_sql(flags)))
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature', 'id', code,
                'geometry', ST_AsGeoJSON(geom, {POINT_PRECISION})::json,
                'properties', {_json_object(properties)}) ORDER BY code), '[]'::json))::text
        FROM {asof.households(as_of)} h WHERE natural_village_id = :id"""
    return db.session.execute(text(sql), {"id": natural_village_id}).scalar_one()


# --- writing ----------------------------------------------------------------


def _copy(cursor, table: str, frame) -> None:
    """COPY a DataFrame's columns, in order, into `table`."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def _ewkb(geometries) -> list[str]:
    """Return hex EWKB of `geometries` tagged with the storage SRID (the fastest input PostGIS parses)."""
    return shapely.to_wkb(shapely.set_srid(geometries, SRID), hex=True, include_srid=True).tolist()


def analyze() -> None:
    """Refresh planner statistics after a bulk load (outside a transaction block is not needed)."""
    db.session.execute(text("ANALYZE admin_unit, natural_village, household"))


# The county loader writes through the helpers above; imported last so that it finds them.
from . import asof  # noqa: E402
from .loading import load_county as load_county  # noqa: E402
