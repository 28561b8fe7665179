"""Rankings: every township, village or natural village of the county ordered by one indicator.

The leaders' dashboard asks "which natural villages have the most left-behind children?": the
values are the drill-down's (per-natural-village aggregates rolled up), withheld for the reader as
the drill-down withholds them, and ordered by the value the reader sees, so a withheld count's
place in the list never tells what it is (withheld rows come last, by code).
"""

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..suppression import Suppression
from . import _rollup, _values
from .disclosure import Hide, disclosure_params

LEVELS = ("township", "village", "natural_village")

# Per level: the alias whose rows are ranked, and the columns naming where each row lies.
_ROWS = {
    "township": ("t", "NULL::text AS township_name, NULL::text AS village_name"),
    "village": ("v", "min(t.name) AS township_name, NULL::text AS village_name"),
    "natural_village": ("nv", "t.name AS township_name, v.name AS village_name"),
}
_FROM = """FROM natural_village nv
            JOIN admin_unit v ON v.id = nv.village_id
            JOIN admin_unit t ON t.id = v.parent_id
            LEFT JOIN natural_village_stats s ON s.natural_village_id = nv.id"""
_TOWNSHIP = "(CAST(:township AS integer) IS NULL OR t.id = :township)"


def ranked(
    level: str,
    indicator: indicators.Indicator,
    *,
    by_share: bool,
    descending: bool,
    township: int | None,
    suppression: Suppression,
    limit: int,
) -> list[dict]:
    """Return up to `limit` areas of `level`, best first by `indicator`, with every indicator's values.

    Parameters
    ----------
    by_share
        Order a share indicator by its share of households rather than its count.
    township
        Only areas in this township (its admin_unit id); the whole county when None.
    """
    alias, where = _ROWS[level]
    hide = Hide(suppression, "x.id", "natural_village" if level == "natural_village" else "unit")
    values = ", ".join(f"{sql} AS {name}" for name, sql in _values("x", hide=hide))
    key = f"{indicator.key}_share" if by_share and indicator.kind == "share" else indicator.key
    direction = "DESC" if descending else "ASC"
    order = f"{dict(_values('x', [indicator], hide=hide))[key]} {direction} NULLS LAST, x.code"
    if level == "natural_village":
        # A natural village's row of the statistics view is its aggregates: nothing to roll up, and
        # the ordering reads only the columns it needs (NOT MATERIALIZED).
        areas = f"NOT MATERIALIZED (SELECT nv.id, nv.code, nv.name, {where}, s.* {_FROM} WHERE {_TOWNSHIP})"
    else:
        areas = f"""(SELECT {alias}.id, {alias}.code, {alias}.name, {where}, {_rollup("s")}
            {_FROM} WHERE {_TOWNSHIP} GROUP BY {alias}.id)"""
    # Ordered on the one value first; every indicator's values only for the rows shown.
    sql = f"""
        WITH x AS {areas},
        top AS (SELECT x.id FROM x ORDER BY {order} LIMIT :limit)
        SELECT x.code, x.name, x.township_name, x.village_name, {values}
        FROM x JOIN top ON top.id = x.id
        ORDER BY {order}"""
    params = {"township": township, "limit": limit, **disclosure_params(suppression)}
    return [dict(r) for r in db.session.execute(text(sql), params).mappings()]


def townships() -> list[dict]:
    """Return the county's townships (id, code, name) by code, for choosing one."""
    rows = db.session.execute(
        text("SELECT id, code, name FROM admin_unit WHERE level = 'township' ORDER BY code")
    ).mappings()
    return [dict(r) for r in rows]
