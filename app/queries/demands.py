"""SQL of people's demands (#12): registering, reading, listing and appending events.

The current state, assignee, rating and version of a demand are written by the trigger on
`demand_event` (migration 0009_demands); this module only ever inserts events.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from sqlalchemy import text

from ..extensions import db
from ..models import SRID

LIST_LIMIT = 100


def kinds() -> list[dict]:
    """Return the active kinds of the catalogue in their order: key, label_zh, label_en."""
    rows = db.session.execute(
        text("SELECT key, label_zh, label_en FROM demand_kind WHERE active ORDER BY position, key")
    ).mappings()
    return [dict(r) for r in rows]


def working_days(kind: str, urgency: str) -> int:
    """Return the working days a demand of `kind` and `urgency` has to be answered."""
    return db.session.execute(
        text("SELECT working_days FROM demand_deadline WHERE kind = :kind AND urgency = :urgency"),
        {"kind": kind, "urgency": urgency},
    ).scalar_one()


def household_place(code: str) -> dict | None:
    """Return a household's id, natural village and administrative village, None when there is none."""
    row = (
        db.session.execute(
            text("""SELECT h.id, h.natural_village_id, nv.village_id FROM household h
                JOIN natural_village nv ON nv.id = h.natural_village_id WHERE h.code = :code"""),
            {"code": code},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def point_place(lon: float, lat: float) -> dict | None:
    """Return the natural village and administrative village covering a point, None outside all."""
    row = (
        db.session.execute(
            text(f"""SELECT id AS natural_village_id, village_id FROM natural_village
                 WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), {SRID}))
                 ORDER BY code LIMIT 1"""),
            {"lon": lon, "lat": lat},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def assignee_name(kind: str, value: str) -> str | None:
    """Return the name of the assignee `value` (a cadre's mobile, a village's or township's code)."""
    if kind == "cadre":
        sql = "SELECT name || ' ' || phone FROM cadre WHERE phone = :value AND active"
    else:
        sql = "SELECT name FROM admin_unit WHERE code = :value AND level = :kind"
    return db.session.execute(text(sql), {"value": value, "kind": kind}).scalar_one_or_none()


def insert_demand(demand: dict, *, user) -> int:
    """Write a demand and its first event (registered); return its id. The caller commits."""
    point = (
        "(SELECT geom FROM household WHERE id = :household_id)"
        if demand["household_id"] is not None
        else f"ST_SetSRID(ST_MakePoint(:lon, :lat), {SRID})"
    )
    # Who raised it is kept with the demand: the head's name when the form named only the household.
    person = "coalesce(nullif(:person_name, ''), (SELECT head_name FROM household WHERE id = :household_id))"
    demand_id = db.session.execute(
        text(f"""
            INSERT INTO demand (household_id, person_name, person_phone, geom, natural_village_id,
                                village_id, channel, kind, urgency, description, raised_on, due_on,
                                created_by)
            VALUES (:household_id, {person}, :person_phone, {point}, :natural_village_id,
                    :village_id, :channel, :kind, :urgency, :description, :raised_on, :due_on, :user_id)
            RETURNING id"""),
        {**demand, "user_id": user.id},
    ).scalar_one()
    append_event(demand_id, "register", "registered", user=user, note="")
    return demand_id


def append_event(demand_id: int, action: str, state: str, *, user, note: str, detail: dict | None = None):
    """Append one event; its trigger moves the demand to `state` and raises its version."""
    db.session.execute(
        text("""INSERT INTO demand_event (demand_id, action, state, user_id, username, note, detail)
                VALUES (:demand_id, :action, :state, :user_id, :username, :note, CAST(:detail AS jsonb))"""),
        {
            "demand_id": demand_id,
            "action": action,
            "state": state,
            "user_id": user.id,
            "username": user.username,
            "note": note,
            "detail": json.dumps(detail or {}, ensure_ascii=False),
        },
    )


def lock(demand_id: int) -> dict | None:
    """Lock a demand's row for a change; return its state, version and the last changer's name."""
    row = (
        db.session.execute(
            text("""SELECT d.state, d.version, d.village_id,
                       (SELECT username FROM demand_event WHERE demand_id = d.id ORDER BY id DESC LIMIT 1)
                         AS changed_by
                FROM demand d WHERE d.id = :id FOR UPDATE OF d"""),
            {"id": demand_id},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


_DEMAND = """
    SELECT d.id, d.state, d.version, d.kind, k.label_zh AS kind_zh, k.label_en AS kind_en, d.channel,
           d.urgency, d.raised_on, d.due_on, d.assignee_kind, d.assignee, d.rating, d.changed_at,
           d.village_id, v.code AS village_code, v.name AS village_name,
           nv.code AS natural_village_code, nv.name AS natural_village_name,
           h.code AS household_code, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat{personal}
    FROM demand d
    JOIN demand_kind k ON k.key = d.kind
    JOIN natural_village nv ON nv.id = d.natural_village_id
    JOIN admin_unit v ON v.id = d.village_id
    LEFT JOIN household h ON h.id = d.household_id"""
# Who raised it and what it says: only for readers privacy.may_read_demand allows.
_PERSONAL = """,
           coalesce(nullif(d.person_name, ''), h.head_name) AS person_name, d.person_phone, d.description"""


def demand(demand_id: int) -> dict | None:
    """Return one demand with who raised it and what it says (the caller has checked the reader may)."""
    row = (
        db.session.execute(text(_DEMAND.format(personal=_PERSONAL) + " WHERE d.id = :id"), {"id": demand_id})
        .mappings()
        .first()
    )
    return dict(row) if row else None


def access_of(demand_id: int) -> tuple[int, str | None] | None:
    """Return a demand's administrative village and the county department it is assigned to (None: none).

    None when there is no such demand.
    """
    row = db.session.execute(
        text("""SELECT village_id, CASE WHEN assignee_kind = 'department' THEN assignee END
                FROM demand WHERE id = :id"""),
        {"id": demand_id},
    ).first()
    return None if row is None else (row[0], row[1])


def events(demand_id: int) -> list[dict]:
    """Return a demand's events, oldest first."""
    rows = db.session.execute(
        text("""SELECT action, state, at, username, note, detail FROM demand_event
                WHERE demand_id = :id ORDER BY id"""),
        {"id": demand_id},
    ).mappings()
    return [dict(r) for r in rows]


@dataclass(frozen=True)
class Filters:
    """What a demand list is narrowed to; dates bound the overdue and due-soon flags."""

    today: datetime.date
    soon_until: datetime.date  # the last day still "due soon"
    state: str | None = None
    kind: str | None = None
    overdue: bool = False
    village: str | None = None  # an administrative village's code
    villages: frozenset[int] | None = None  # the reader's scope; None: all
    department: str | None = None  # and the demands assigned to this county department (its user's)
    before: int | None = None  # keyset: ids below this one


OPEN = "d.state NOT IN ('answered', 'closed')"
# Assigned to the county department :department (NULL: to none).
ASSIGNED = "(d.assignee_kind = 'department' AND d.assignee = :department)"


def _where(f: Filters) -> tuple[str, dict]:
    clauses, values = ["true"], {"today": f.today}
    if f.state:
        clauses.append("d.state = :state")
        values["state"] = f.state
    if f.kind:
        clauses.append("d.kind = :kind")
        values["kind"] = f.kind
    if f.overdue:
        clauses.append(f"{OPEN} AND d.due_on < :today")
    if f.village:
        clauses.append("v.code = :village")
        values["village"] = f.village
    if f.villages is not None:
        clauses.append(f"(d.village_id = ANY(:villages) OR {ASSIGNED})")
        values["villages"] = sorted(f.villages)
        values["department"] = f.department
    return " AND ".join(clauses), values


def listing(f: Filters, *, limit: int = LIST_LIMIT) -> list[dict]:
    """Return the demands matching `f`, newest first, with their overdue and due-soon flags."""
    where, values = _where(f)
    if f.before is not None:
        where += " AND d.id < :before"
        values["before"] = f.before
    sql = f"""
        SELECT * , ({OPEN} AND due_on < :today) AS overdue,
               ({OPEN} AND due_on BETWEEN :today AND :soon) AS due_soon
        FROM ({_DEMAND.format(personal=_PERSONAL)} WHERE {where}) d
        ORDER BY id DESC LIMIT :limit"""
    rows = db.session.execute(text(sql), {**values, "soon": f.soon_until, "limit": limit}).mappings()
    return [dict(r) for r in rows]


def counts(f: Filters) -> list[dict]:
    """Return how many demands match `f` per state and kind, and how many of them are overdue.

    A reader of every village adds up the tally (kept by triggers, a few rows per natural village)
    instead of counting every demand; a scoped reader's count also takes demands assigned to it.
    """
    where, values = _where(f)
    if f.villages is None:
        n, source = (
            "d.n",
            """demand_tally d JOIN natural_village nv ON nv.id = d.natural_village_id
                               JOIN admin_unit v ON v.id = nv.village_id""",
        )
    else:
        n, source = "1", "demand d JOIN admin_unit v ON v.id = d.village_id"
    sql = f"""
        SELECT d.state, k.label_zh AS kind_zh, k.label_en AS kind_en, sum({n}) AS demands,
               coalesce(sum({n}) FILTER (WHERE {OPEN} AND d.due_on < :today), 0) AS overdue
        FROM {source} JOIN demand_kind k ON k.key = d.kind
        WHERE {where} GROUP BY d.state, k.label_zh, k.label_en, k.position HAVING sum({n}) > 0
        ORDER BY d.state, k.position"""
    return [dict(r) for r in db.session.execute(text(sql), values).mappings()]


def natural_village_geojson(natural_village_id: int, *, today: datetime.date, lang: str) -> dict:
    """Return a natural village's demands as GeoJSON points: number, state, kind, overdue; no text."""
    label = "k.label_zh" if lang == "zh" else "k.label_en"
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
            'type', 'Feature', 'id', d.id, 'geometry', ST_AsGeoJSON(d.geom, 6)::json,
            'properties', json_build_object(
                'id', d.id, 'state', d.state, 'kind', {label}, 'overdue', {OPEN} AND d.due_on < :today))
            ORDER BY d.id), '[]'::json))
        FROM demand d JOIN demand_kind k ON k.key = d.kind WHERE d.natural_village_id = :id"""
    return db.session.execute(text(sql), {"id": natural_village_id, "today": today}).scalar_one()
