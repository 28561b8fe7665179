"""SQL of the pairing map (#11): a village's poor and once-paired households, and who helps them.

A household's pairing status today: ``paired`` (a pairing covers today), ``ended``
(paired before, not today) or ``unpaired`` (poor, never paired). Households neither
poor nor ever paired are not on the map. A cadre is drawn at the centroid of their
patch's natural villages, or, with no natural village in their patch, at a point
on their administrative village; a line joins them to each household paired now.
Measures of one household (六个到户) are read and written here too.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from ..extensions import db
from ..privacy import Rule
from .work import stage, upsert_staged_measures
from .work_lists import _named

STATUS = """CASE WHEN w.paired @> current_date THEN 'paired'
                 WHEN coalesce(w.paired <> '{}'::datemultirange, false) THEN 'ended'
                 ELSE 'unpaired' END"""
ON_MAP = """FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
    LEFT JOIN household_work w ON w.household_id = h.id
    WHERE nv.village_id = :village
      AND (h.poverty_status <> 'none' OR coalesce(w.paired <> '{}'::datemultirange, false))"""


def counts(village_id: int) -> dict[str, int]:
    """Return how many of a village's households are paired, unpaired and with their pairing ended."""
    rows = db.session.execute(
        text(f"SELECT {STATUS} AS status, count(*) AS n {ON_MAP} GROUP BY 1"), {"village": village_id}
    ).all()
    return {"paired": 0, "unpaired": 0, "ended": 0} | {r.status: r.n for r in rows}


def households(village_id: int, rules: dict[str, Rule]) -> list[dict]:
    """Return the village's households on the pairing map with their status and lon/lat, as `rules` allow."""
    rows = db.session.execute(
        text(f"""
            SELECT {_named(rules)}, {STATUS} AS status, ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat
            {ON_MAP} ORDER BY h.code"""),
        {"village": village_id},
    ).mappings()
    return [dict(r) for r in rows]


def helpers(village_id: int) -> list[dict]:
    """Return each cadre paired today with households of the village: where they are drawn, their codes."""
    rows = db.session.execute(
        text("""
            SELECT c.id, c.name, c.role, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat,
                   array_agg(h.code ORDER BY h.code) AS households
            FROM pairing p JOIN cadre c ON c.id = p.cadre_id
            JOIN household h ON h.id = p.household_id
            JOIN natural_village nv ON nv.id = h.natural_village_id
            CROSS JOIN LATERAL (
                SELECT coalesce(
                    (SELECT ST_Centroid(ST_Collect(pv.geom)) FROM cadre_patch cp
                     JOIN natural_village pv ON pv.id = cp.natural_village_id WHERE cp.cadre_id = c.id),
                    (SELECT ST_PointOnSurface(v.geom) FROM admin_unit v WHERE v.id = c.village_id)) AS geom) a
            WHERE nv.village_id = :village AND p.valid @> current_date
            GROUP BY c.id, c.name, c.role, a.geom
            ORDER BY c.name, c.id"""),
        {"village": village_id},
    ).mappings()
    return [dict(r) for r in rows]


def measures(household_id: int) -> dict[str, dict]:
    """Return a household's measures by kind: status and its date."""
    rows = db.session.execute(
        text("SELECT kind, status, status_on FROM measure WHERE household_id = :id"), {"id": household_id}
    ).mappings()
    return {r["kind"]: dict(r) for r in rows}


def save_measures(household_code: str, entries: list[dict], *, updated_by: int) -> dict[str, int]:
    """Write a household's measures (``kind``, ``status``, ``status_on`` each); return the counts."""
    frame = pd.DataFrame(entries, columns=["kind", "status", "status_on"])
    stage("measure", frame.assign(household_code=household_code))
    return upsert_staged_measures(updated_by=updated_by)


def household(code: str) -> dict | None:
    """Return the household coded `code` (id, code, village_id, whether poor), or None."""
    row = db.session.execute(
        text("""
            SELECT h.id, h.code, nv.village_id, h.poverty_status <> 'none' AS poor
            FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id WHERE h.code = :code"""),
        {"code": code},
    ).mappings()
    found = row.first()
    return dict(found) if found else None


def outlines(village_id: int) -> str:
    """Return the village's natural villages as GeoJSON (name and code), drawn under the households."""
    return db.session.execute(
        text("""
            SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
                json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom, 6)::json,
                                  'properties', json_build_object('code', code, 'name', name, 'own', true))
                ORDER BY code), '[]'::json))::text
            FROM natural_village WHERE village_id = :village"""),
        {"village": village_id},
    ).scalar_one()
