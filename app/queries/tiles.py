"""Vector tiles (Mapbox Vector Tile) built by PostGIS: natural-village aggregates and household points.

Aggregates come from the table `natural_village_stats` (`app.queries.stats`), kept
from the indicator registry after every write, so a tile
over the whole county costs milliseconds instead of a scan of every household.
The tile's envelope is transformed to the storage CRS, never the column, so
the GiST indexes are used.
"""

import datetime
from collections.abc import Iterable

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..models import SRID
from ..suppression import Suppression
from . import _rollup, _values, asof, stats
from .disclosure import Hide, disclosure_params

EXTENT = 4096
BUFFER = 64


def _flag_columns(flags: Iterable[indicators.Indicator]) -> str:
    return "".join(f", ({i.sql}) AS {i.key}" for i in flags)


def _attributes(alias: str, hide: Hide) -> str:
    """Return the indicators' values from aggregates in `alias` as MVT attributes (withheld per `hide`).

    Counts become bigint and shares and means float8, because ST_AsMVT writes a numeric
    (a share, a mean, a sum of counts) as a string ("0.1234"), which MapLibre's
    comparisons refuse.
    """
    counts = {"households"} | {i.key for i in indicators.INDICATORS if i.kind == "share"}

    def typed(name: str) -> str:
        if name.endswith("_suppressed"):
            return "boolean"
        return "bigint" if name in counts else "float8"

    return ", ".join(f"({sql})::{typed(name)} AS {name}" for name, sql in _values(alias, hide=hide))


def _mvt(name: str, rows: str) -> str:
    """Return SQL for one MVT layer of `rows`, whose `id` becomes the feature id (kept as `fid` too)."""
    return f"""(SELECT coalesce(ST_AsMVT(q, '{name}', {EXTENT}, 'geom', 'id'), '')
                FROM (SELECT * FROM ({rows}) r WHERE geom IS NOT NULL) q)"""


def layers_sql(layers: list[str], *, ctes: str = "") -> str:
    """Return the statement joining MVT `layers` into one tile, each reading tile z/x/y as `bounds`.

    `ctes` are further common table expressions (``, name AS (…)``) the layers read.
    """
    return f"""
        WITH bounds AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), {SRID}) AS geo)
            {ctes}
        SELECT {" || ".join(layers)}"""


def _mvt_geom(column: str) -> str:
    return f"ST_AsMVTGeom(ST_Transform({column}, 3857), b.merc, {EXTENT}, {BUFFER}, true)"


# The natural villages of every township the tile touches: whose statistics a past tile computes.
_PAST_STATS_SCOPE = """WHERE h.natural_village_id IN (
    SELECT nv.id FROM natural_village nv
    JOIN admin_unit v ON v.id = nv.village_id
    JOIN admin_unit t ON t.id = v.parent_id
    JOIN bounds b ON t.geom && b.geo AND t.level = 'township')"""


def _statistics(as_of: datetime.datetime | None) -> tuple[str, str]:
    """Return (CTEs, table) of the natural villages' statistics a tile reads: the table now, or as of `as_of`.

    A past tile computes them once, from the households' versions of the townships it touches only.
    """
    if as_of is None:
        return "", stats.TABLE
    return f", past_stats AS MATERIALIZED {stats.source(as_of, _PAST_STATS_SCOPE)}", "past_stats"


def _units(level: str, key: str, *, statistics: str, suppression: Suppression) -> str:
    """Return the rows of layer `level` (townships or villages), rolled up for the units in the tile only."""
    return f"""
        SELECT {_mvt_geom("u.geom")} AS geom, u.id, u.id AS fid, u.code, u.name,
               {_attributes("s", Hide(suppression, "u.id", "unit"))}
        FROM admin_unit u
        JOIN bounds b ON u.geom && b.geo
        CROSS JOIN LATERAL (
            SELECT {_rollup("n")}
            FROM natural_village nv
            JOIN admin_unit v ON v.id = nv.village_id
            JOIN {statistics} n ON n.natural_village_id = nv.id
            WHERE {key} = u.id) s
        WHERE u.level = '{level}'"""


def _natural_villages(*, statistics: str, suppression: Suppression) -> str:
    return f"""
        SELECT {_mvt_geom("n.geom")} AS geom, n.id, n.id AS fid, n.code, n.name,
               {_attributes("s", Hide(suppression, "n.id", "natural_village"))}
        FROM natural_village n
        JOIN bounds b ON n.geom && b.geo
        LEFT JOIN {statistics} s ON s.natural_village_id = n.id"""


def _households(
    *, flags: Iterable[indicators.Indicator], scoped: bool, as_of: datetime.datetime | None
) -> str:
    """Return the rows of layer ``households``: code and flags only (of `villages` when `scoped`).

    A past tile reads the versions of the natural villages the tile touches (their index), then the envelope.
    """
    where = "h.geom && b.geo"
    if scoped:
        where += (
            " AND h.natural_village_id IN (SELECT id FROM natural_village WHERE village_id = ANY(:villages))"
        )
    if as_of is not None:
        where += (
            " AND h.natural_village_id IN (SELECT id FROM natural_village, bounds WHERE geom && bounds.geo)"
        )
    return f"""
        SELECT {_mvt_geom("h.geom")} AS geom, h.id, h.id AS fid, h.code{_flag_columns(flags)}
        FROM {asof.households(as_of)} h, bounds b
        WHERE {where}"""


def tile(
    z: int,
    x: int,
    y: int,
    *,
    points: bool,
    villages: frozenset[int] | None,
    flags: Iterable[indicators.Indicator],
    suppression: Suppression,
    as_of: datetime.datetime | None = None,
) -> bytes:
    """Return the MVT tile z/x/y: layers ``townships``, ``villages``, ``natural_villages``, ``households``.

    Every feature's id is its database key (also in attribute ``fid``); polygons carry their code,
    name and every indicator's count and share; ``households`` only when `points`.

    Parameters
    ----------
    points
        Whether the tile carries household points at all.
    villages
        Only households of these administrative villages; all when None.
    flags
        Indicators each household point carries as a boolean attribute (the ones the role may see).
        Points carry no names or ID numbers at any role.
    suppression
        The reader's: which sensitive counts the polygons withhold.
    as_of
        The households and their statistics as they were at this moment; now when None.
    """
    ctes, statistics = _statistics(as_of)
    layers = [
        _mvt("townships", _units("township", "v.parent_id", statistics=statistics, suppression=suppression)),
        _mvt("villages", _units("village", "v.id", statistics=statistics, suppression=suppression)),
        _mvt("natural_villages", _natural_villages(statistics=statistics, suppression=suppression)),
    ]
    if points:
        layers.append(_mvt("households", _households(flags=flags, scoped=villages is not None, as_of=as_of)))
    params = {"z": z, "x": x, "y": y, "villages": sorted(villages or ()), **disclosure_params(suppression)}
    result = db.session.execute(text(layers_sql(layers, ctes=ctes)), params).scalar_one()
    return bytes(result)


def share_values(indicator: indicators.Indicator) -> list[float | None]:
    """Return every natural village's value of `indicator` (share, or mean), from the statistics table."""
    key = f"{indicator.key}_share" if indicator.kind == "share" else indicator.key
    value = dict(_values("s", [indicator]))[key]
    rows = db.session.execute(
        text(f"""
            SELECT {value} FROM natural_village n
            LEFT JOIN natural_village_stats s ON s.natural_village_id = n.id""")
    ).scalars()
    return [None if v is None else float(v) for v in rows]


def villages_with_points(z: int, x: int, y: int, *, villages: frozenset[int] | None) -> list[str]:
    """Return the codes of the administrative villages whose households tile z/x/y carries (for the audit).

    The same envelope and scope as the tile's ``households`` layer, so a village is named only when
    its households were in the tile.
    """
    scope = "AND nv.village_id = ANY(:villages)" if villages is not None else ""
    return list(
        db.session.execute(
            text(f"""
                SELECT DISTINCT v.code
                FROM household h
                JOIN natural_village nv ON nv.id = h.natural_village_id
                JOIN admin_unit v ON v.id = nv.village_id
                WHERE h.geom && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), {SRID})
                {scope}
                ORDER BY v.code"""),
            {"z": z, "x": x, "y": y, "villages": sorted(villages or ())},
        ).scalars()
    )
