"""Vector tiles (Mapbox Vector Tile) built by PostGIS: natural-village aggregates and household points.

Aggregates come from the materialized view `natural_village_stats`, built from
the indicator registry by `refresh_stats()` after every bulk write, so a tile
over the whole county costs milliseconds instead of a scan of every household.
The tile's envelope is transformed to the storage CRS, never the column, so
the GiST indexes are used.
"""

from collections.abc import Iterable

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..models import SRID
from . import _natural_village_stats, _values

EXTENT = 4096
BUFFER = 64


def stats_view_sql() -> str:
    """Return the DDL that (re)builds `natural_village_stats` from the current registry."""
    return f"""
        DROP MATERIALIZED VIEW IF EXISTS natural_village_stats;
        CREATE MATERIALIZED VIEW natural_village_stats AS {_natural_village_stats()};
        CREATE UNIQUE INDEX natural_village_stats_pk ON natural_village_stats (natural_village_id);"""


def refresh_stats() -> None:
    """Rebuild `natural_village_stats`, in the caller's transaction (after every bulk write)."""
    db.session.execute(text(stats_view_sql()))


def stats_version() -> int | None:
    """Return a number that changes whenever the statistics are rebuilt (None before the first build)."""
    return db.session.execute(
        text("SELECT relfilenode FROM pg_class WHERE oid = to_regclass('natural_village_stats')")
    ).scalar()


def _flag_columns(flags: Iterable[indicators.Indicator]) -> str:
    return "".join(f", ({i.sql}) AS {i.key}" for i in flags)


def tile(
    z: int,
    x: int,
    y: int,
    *,
    points: bool,
    villages: frozenset[int] | None,
    flags: Iterable[indicators.Indicator],
) -> bytes:
    """Return the MVT tile z/x/y with layers ``natural_villages`` and (when `points`) ``households``.

    Parameters
    ----------
    points
        Whether the tile carries household points at all.
    villages
        Only households of these administrative villages; all when None.
    flags
        Indicators each household point carries as a boolean attribute (the ones the role may see).
        Points carry no names or ID numbers at any role.
    """
    counts = ", ".join(f"{sql} AS {name}" for name, sql in _values("s"))
    scope = ""
    if villages is not None:
        scope = (
            "AND h.natural_village_id IN (SELECT id FROM natural_village WHERE village_id = ANY(:villages))"
        )
    households = f"""
        SELECT ST_AsMVTGeom(ST_Transform(h.geom, 3857), b.merc, {EXTENT}, {BUFFER}, true) AS geom,
               h.code{_flag_columns(flags)}
        FROM household h, bounds b
        WHERE h.geom && b.geo {scope}"""
    sql = f"""
        WITH bounds AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), {SRID}) AS geo),
        nv AS (
            SELECT * FROM (
                SELECT ST_AsMVTGeom(ST_Transform(n.geom, 3857), b.merc, {EXTENT}, {BUFFER}, true) AS geom,
                       n.code, n.name, {counts}
                FROM natural_village n
                JOIN bounds b ON n.geom && b.geo
                LEFT JOIN natural_village_stats s ON s.natural_village_id = n.id) q
            WHERE geom IS NOT NULL),
        hh AS ({households if points else "SELECT NULL::geometry AS geom WHERE false"})
        SELECT (SELECT coalesce(ST_AsMVT(nv, 'natural_villages', {EXTENT}, 'geom'), '') FROM nv)
            || (SELECT coalesce(ST_AsMVT(hh, 'households', {EXTENT}, 'geom'), '') FROM hh)"""
    result = db.session.execute(
        text(sql), {"z": z, "x": x, "y": y, "villages": sorted(villages or ())}
    ).scalar_one()
    return bytes(result)
