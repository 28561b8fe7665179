"""SQL of pairings and visits as map layers (#11): the OGC collections and the export layers.

Each layer is a SELECT whose rows carry a stable key (``__key``: a pairing's id, a
visit's uid), a geometry in EPSG:4490 (``__geom``), the instant its time starts
(``__time``) and, for pairings, ends (``__end``, NULL while current), and the
published properties. Only households in `villages` are included (None: all), and
a visit's findings and ticks only when the privacy rules show VISIT_NOTES.

Where a pairing's line starts: a cadre has no point of their own, so the line runs
from the centroid of the cadre's patch (分片包干: the natural villages and households
they answer for, where their work is) to the household. A cadre without a patch
starts at a point inside their administrative village (ST_PointOnSurface, inside
even where the village is not convex). A visit is the point where it was logged
when the phone gave one, else the household's point (``logged`` says which).
"""

from dataclasses import dataclass, field

from .. import localtime
from ..privacy import VISIT_NOTES, Rule

# Each cadre's starting point: the centroid of their patch, else a point inside their village.
ORIGINS = """
    SELECT c.id AS cadre_id,
           coalesce(ST_Centroid(ST_Collect(coalesce(pnv.geom, ph.geom))), ST_PointOnSurface(cv.geom)) AS geom
    FROM cadre c JOIN admin_unit cv ON cv.id = c.village_id
    LEFT JOIN cadre_patch cp ON cp.cadre_id = c.id
    LEFT JOIN natural_village pnv ON pnv.id = cp.natural_village_id
    LEFT JOIN household ph ON ph.id = cp.household_id
    GROUP BY c.id, cv.geom"""


@dataclass(frozen=True)
class Layer:
    """A layer's rows as SQL and the JSON type of every published property."""

    sql: str
    properties: dict[str, str]
    params: dict = field(default_factory=dict)


def _day(column: str) -> str:
    """Return a date column as the instant its day starts in the county."""
    return f"({column}::timestamp AT TIME ZONE :zone)"


def _scope(villages: frozenset[int] | None) -> tuple[str, dict]:
    if villages is None:
        return "", {}
    return "WHERE nv.village_id = ANY(:villages)", {"villages": sorted(villages)}


def _params(villages: frozenset[int] | None) -> tuple[str, dict]:
    where, params = _scope(villages)
    return where, {"zone": str(localtime.zone()), **params}


def pairings(rules: dict[str, Rule], *, villages: frozenset[int] | None) -> Layer:
    """Return pairings (结对) as lines from the cadre's patch to the household, current or ended.

    ``end`` is the first day no longer paired (as the pairings page shows it), null while open.
    """
    where, params = _params(villages)
    sql = f"""
        WITH origin AS ({ORIGINS})
        SELECT p.id::text AS __key, ST_MakeLine(o.geom, h.geom) AS __geom,
               {_day("lower(p.valid)")} AS __time, {_day("upper(p.valid)")} AS __end,
               c.name AS cadre, c.unit AS unit, h.code AS household_code,
               to_char(lower(p.valid), 'YYYY-MM-DD') AS start,
               to_char(upper(p.valid), 'YYYY-MM-DD') AS "end",
               p.valid @> current_date AS current
        FROM pairing p
        JOIN cadre c ON c.id = p.cadre_id
        JOIN origin o ON o.cadre_id = c.id
        JOIN household h ON h.id = p.household_id
        JOIN natural_village nv ON nv.id = h.natural_village_id
        {where}"""
    types = dict.fromkeys(("cadre", "unit", "household_code", "start", "end"), "string")
    return Layer(sql, types | {"current": "boolean"}, params)


def visits(rules: dict[str, Rule], *, villages: frozenset[int] | None) -> Layer:
    """Return visits (走访) as points: where logged, else the household; findings per VISIT_NOTES.

    ``photo`` says whether the visit has a photo and ``photo_flags`` why it is flagged (comma-separated:
    no_location, far, no_time, off_day); the photo itself never leaves through a layer.
    """
    where, params = _params(villages)
    notes = rules.get(VISIT_NOTES) is Rule.SHOW
    ticks = "(SELECT string_agg(t, ',') FROM jsonb_array_elements_text(v.ticks) t)"
    findings = f", v.findings AS findings, coalesce({ticks}, '') AS ticks" if notes else ""
    sql = f"""
        SELECT v.uid::text AS __key, coalesce(v.geom, h.geom) AS __geom, {_day("v.visited_on")} AS __time,
               h.code AS household_code, c.name AS cadre, to_char(v.visited_on, 'YYYY-MM-DD') AS date,
               v.kind AS kind, v.geom IS NOT NULL AS logged{findings},
               p.id IS NOT NULL AS photo, coalesce(array_to_string(p.flags, ','), '') AS photo_flags
        FROM visit v
        LEFT JOIN photo p ON p.visit_id = v.id
        JOIN cadre c ON c.id = v.cadre_id
        JOIN household h ON h.id = v.household_id
        JOIN natural_village nv ON nv.id = h.natural_village_id
        {where}"""
    types = dict.fromkeys(("household_code", "cadre", "date", "kind", "photo_flags"), "string")
    types |= {"logged": "boolean", "photo": "boolean"}
    if notes:
        types |= {"findings": "string", "ticks": "string"}
    return Layer(sql, types, params)
