"""Places by name: townships, villages and natural villages found by what people call them.

Place names and boundaries are not personal: every logged-in role may find every place (what it
then sees inside is the drill-down's business).
"""

from sqlalchemy import text

from ..extensions import db

# Levels in the order results are listed when they match equally well.
_LEVEL_ORDER = "CASE level WHEN 'township' THEN 0 WHEN 'village' THEN 1 ELSE 2 END"


def _like(query: str) -> str:
    """Return `query` escaped for LIKE."""
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(query: str, *, limit: int) -> list[dict]:
    """Return places whose name contains `query` or whose code starts with it, best matches first.

    Each row has code, name, level and `within`: the names of the township (and village) it lies in,
    so that two 新寨 in different villages can be told apart.
    """
    rows = db.session.execute(
        text(f"""
            WITH places AS (
                SELECT t.code, t.name, t.level, NULL::text AS within
                FROM admin_unit t WHERE t.level = 'township'
                UNION ALL
                SELECT v.code, v.name, v.level, t.name
                FROM admin_unit v JOIN admin_unit t ON t.id = v.parent_id WHERE v.level = 'village'
                UNION ALL
                SELECT nv.code, nv.name, 'natural_village', t.name || ' · ' || v.name
                FROM natural_village nv
                JOIN admin_unit v ON v.id = nv.village_id
                JOIN admin_unit t ON t.id = v.parent_id)
            SELECT code, name, level, within FROM places
            WHERE name LIKE :contains OR code LIKE :prefix
            ORDER BY name = :exact DESC, name LIKE :starts DESC, {_LEVEL_ORDER}, code
            LIMIT :limit"""),
        {
            "contains": f"%{_like(query)}%",
            "prefix": f"{_like(query)}%",
            "starts": f"{_like(query)}%",
            "exact": query,
            "limit": limit,
        },
    ).mappings()
    return [dict(r) for r in rows]


def villages(ids: frozenset[int]) -> list[dict]:
    """Return the administrative villages `ids` with their township, natural villages and households."""
    rows = db.session.execute(
        text("""
            SELECT v.code, v.name, t.code AS township_code, t.name AS township_name,
                   (SELECT count(*) FROM natural_village nv WHERE nv.village_id = v.id) AS natural_villages,
                   (SELECT count(*) FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
                    WHERE nv.village_id = v.id) AS households
            FROM admin_unit v JOIN admin_unit t ON t.id = v.parent_id
            WHERE v.id = ANY(:ids)
            ORDER BY t.code, v.code"""),
        {"ids": sorted(ids)},
    ).mappings()
    return [dict(r) for r in rows]


def natural_villages(ids: frozenset[int]) -> list[dict]:
    """Return the natural villages of the administrative villages `ids`, each with its households."""
    rows = db.session.execute(
        text("""
            SELECT nv.code, nv.name, v.code AS village_code,
                   (SELECT count(*) FROM household h WHERE h.natural_village_id = nv.id) AS households
            FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id
            WHERE nv.village_id = ANY(:ids)
            ORDER BY nv.code"""),
        {"ids": sorted(ids)},
    ).mappings()
    return [dict(r) for r in rows]
