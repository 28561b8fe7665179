"""SQL of people's demands as a layer (#12): the OGC collection, the export layer and Open311 read it.

The layer is a SELECT whose rows carry a stable key (``__key``: the demand's number), its
point in EPSG:4490 (``__geom``), the instant its day of coming in starts in the county
(``__time``) and the published properties. Only a reader `app.privacy.demand_scope` lets
list demands one by one gets it, limited to their villages (None: all) and, for a county
department, to the demands assigned to it; who raised a demand and what it says go with it.
"""

from .. import localtime
from .demands import ASSIGNED, OPEN
from .work_layers import Layer

PROPERTIES = {
    "demand_kind": "string",
    "demand_kind_zh": "string",
    "state": "string",
    "channel": "string",
    "urgency": "string",
    "raised_on": "string",
    "due_on": "string",
    "overdue": "boolean",
    "assignee_kind": "string",
    "assignee": "string",
    "rating": "string",
    "updated_at": "date-time",
    "village_code": "string",
    "natural_village_code": "string",
    "household_code": "string",
    "person_name": "string",
    "description": "string",
}


def _scope(villages: frozenset[int] | None, department: str | None) -> tuple[str, dict]:
    if villages is None:
        return "", {}
    where = f"WHERE (d.village_id = ANY(:villages) OR {ASSIGNED})"
    return where, {"villages": sorted(villages), "department": department}


def demands(*, villages: frozenset[int] | None, department: str | None = None) -> Layer:
    """Return demands as points with their state, kind, deadline, who raised them and what they say.

    Parameters
    ----------
    villages
        Only demands in these administrative villages (a cadre's); all when None.
    department
        Also the demands assigned to this county department (its user's; with ``villages`` empty).
    """
    where, params = _scope(villages, department)
    sql = f"""
        SELECT d.id::text AS __key, d.geom AS __geom, (d.raised_on::timestamp AT TIME ZONE :zone) AS __time,
               d.kind AS demand_kind, k.label_zh AS demand_kind_zh, d.state AS state, d.channel AS channel,
               d.urgency AS urgency, to_char(d.raised_on, 'YYYY-MM-DD') AS raised_on,
               to_char(d.due_on, 'YYYY-MM-DD') AS due_on, ({OPEN} AND d.due_on < :today) AS overdue,
               d.assignee_kind AS assignee_kind, d.assignee AS assignee, d.rating AS rating,
               d.changed_at AS updated_at, v.code AS village_code, nv.code AS natural_village_code,
               h.code AS household_code, coalesce(nullif(d.person_name, ''), h.head_name) AS person_name,
               d.description AS description
        FROM demand d
        JOIN demand_kind k ON k.key = d.kind
        JOIN natural_village nv ON nv.id = d.natural_village_id
        JOIN admin_unit v ON v.id = d.village_id
        LEFT JOIN household h ON h.id = d.household_id
        {where}"""
    params |= {"zone": str(localtime.zone()), "today": localtime.today()}
    return Layer(sql, dict(PROPERTIES), params)
