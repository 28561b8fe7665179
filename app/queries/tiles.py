"""Vector tiles (Mapbox Vector Tile) built by PostGIS: natural-village aggregates and household points.

Aggregates come from the table `natural_village_stats` (`app.queries.stats`), kept
from the indicator registry after every write, so a tile
over the whole county costs milliseconds instead of a scan of every household.
The tile's envelope is transformed to the storage CRS, never the column, so
the GiST indexes are used.
"""

from collections.abc import Iterable

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..models import SRID
from ..suppression import Suppression
from . import _rollup, _values
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


def layers_sql(layers: list[str]) -> str:
    """Return the statement joining MVT `layers` into one tile, each reading tile z/x/y as `bounds`."""
    return f"""
        WITH bounds AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), {SRID}) AS geo)
        SELECT {" || ".join(layers)}"""


def _mvt_geom(column: str) -> str:
    return f"ST_AsMVTGeom(ST_Transform({column}, 3857), b.merc, {EXTENT}, {BUFFER}, true)"


def tile(
    z: int,
    x: int,
    y: int,
    *,
    points: bool,
    villages: frozenset[int] | None,
    flags: Iterable[indicators.Indicator],
    suppression: Suppression,
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
    """
    scope = ""
    if villages is not None:
        scope = (
            "AND h.natural_village_id IN (SELECT id FROM natural_village WHERE village_id = ANY(:villages))"
        )

    def counts(area: str, level) -> str:
        return _attributes("s", Hide(suppression, area, level))

    def units(level: str, key: str) -> str:
        # Rolled up for the units in this tile only, one lateral aggregate each.
        return f"""
            SELECT {_mvt_geom("u.geom")} AS geom, u.id, u.id AS fid, u.code, u.name, {counts("u.id", "unit")}
            FROM admin_unit u
            JOIN bounds b ON u.geom && b.geo
            CROSS JOIN LATERAL (
                SELECT {_rollup("n")}
                FROM natural_village nv
                JOIN admin_unit v ON v.id = nv.village_id
                JOIN natural_village_stats n ON n.natural_village_id = nv.id
                WHERE {key} = u.id) s
            WHERE u.level = '{level}'"""

    natural_villages = f"""
        SELECT {_mvt_geom("n.geom")} AS geom, n.id, n.id AS fid, n.code, n.name,
               {counts("n.id", "natural_village")}
        FROM natural_village n
        JOIN bounds b ON n.geom && b.geo
        LEFT JOIN natural_village_stats s ON s.natural_village_id = n.id"""
    households = f"""
        SELECT {_mvt_geom("h.geom")} AS geom, h.id, h.id AS fid, h.code{_flag_columns(flags)}
        FROM household h, bounds b
        WHERE h.geom && b.geo {scope}"""
    layers = [
        _mvt("townships", units("township", "v.parent_id")),
        _mvt("villages", units("village", "v.id")),
        _mvt("natural_villages", natural_villages),
    ]
    if points:
        layers.append(_mvt("households", households))
    sql = layers_sql(layers)
    params = {"z": z, "x": x, "y": y, "villages": sorted(villages or ()), **disclosure_params(suppression)}
    result = db.session.execute(text(sql), params).scalar_one()
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
