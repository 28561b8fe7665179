"""A village's cadre register as the web keeps it (#11): its cadres, their patches and logins."""

from collections.abc import Iterable

from sqlalchemy import text

from ..extensions import db
from ..work_models import SECRETARY_DUTIES


def register(village_id: int) -> list[dict]:
    """Return the village's cadres, active first, each with their patch and login."""
    rows = db.session.execute(
        text("""
        SELECT c.id, c.name, c.unit, c.phone, c.role, c.duty, c.active, u.username,
               coalesce(array_agg(nv.code || ' ' || nv.name ORDER BY nv.code)
                        FILTER (WHERE nv.id IS NOT NULL), '{}') AS natural_villages,
               coalesce(array_agg(h.code ORDER BY h.code) FILTER (WHERE h.id IS NOT NULL), '{}') AS households
        FROM cadre c
        LEFT JOIN app_user u ON u.id = c.user_id
        LEFT JOIN cadre_patch p ON p.cadre_id = c.id
        LEFT JOIN natural_village nv ON nv.id = p.natural_village_id
        LEFT JOIN household h ON h.id = p.household_id
        WHERE c.village_id = :village
        GROUP BY c.id, u.username
        ORDER BY NOT c.active, c.role, c.name, c.id"""),
        {"village": village_id},
    ).mappings()
    return [dict(r) for r in rows]


def cadre(cadre_id: int) -> dict | None:
    """Return one cadre (as `register` does) with its village's id, or None."""
    row = db.session.execute(text("SELECT village_id FROM cadre WHERE id = :id"), {"id": cadre_id}).first()
    if row is None:
        return None
    found = next(c for c in register(row.village_id) if c["id"] == cadre_id)
    return {**found, "village_id": row.village_id}


def secretary_villages(user_id: int) -> frozenset[int]:
    """Return the villages whose register `user_id` keeps: where their active cadre is the secretary."""
    rows = db.session.execute(
        text("SELECT village_id FROM cadre WHERE user_id = :user AND active AND duty = ANY(:duties)"),
        {"user": user_id, "duties": list(SECRETARY_DUTIES)},
    ).scalars()
    return frozenset(rows)


def natural_villages(village_id: int) -> list[dict]:
    """Return the village's natural villages (code, name), by code."""
    rows = db.session.execute(
        text("SELECT code, name FROM natural_village WHERE village_id = :village ORDER BY code"),
        {"village": village_id},
    ).mappings()
    return [dict(r) for r in rows]


def households_outside(village_id: int, codes: Iterable[str]) -> list[str]:
    """Return those of `codes` that name no household of the village, in the order given."""
    codes = list(codes)
    inside = set(
        db.session.execute(
            text("""
            SELECT h.code FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
            WHERE nv.village_id = :village AND h.code = ANY(:codes)"""),
            {"village": village_id, "codes": codes},
        ).scalars()
    )
    return [code for code in codes if code not in inside]


def phone_holder(phone: str) -> dict | None:
    """Return the cadre (id, name) whose mobile number is `phone`, or None."""
    row = db.session.execute(text("SELECT id, name FROM cadre WHERE phone = :phone"), {"phone": phone})
    found = row.mappings().first()
    return dict(found) if found else None


def login_of(username: str) -> dict | None:
    """Return the user called `username` (id, role, the cadre already linked to them), or None."""
    row = db.session.execute(
        text("""
        SELECT u.id, u.role_name AS role, c.id AS cadre_id
        FROM app_user u LEFT JOIN cadre c ON c.user_id = u.id WHERE u.username = :username"""),
        {"username": username},
    )
    found = row.mappings().first()
    return dict(found) if found else None


def save(cadre_id: int | None, village_id: int, values: dict, *, user_id: int | None) -> int:
    """Write a cadre of `village_id` (new when `cadre_id` is None) and replace its patch; return its id.

    `values` holds name, unit, phone, role, duty, active, and the patch as `natural_villages` and
    `households` (codes, checked to lie in the village).
    """
    columns = {k: values[k] for k in ("name", "unit", "phone", "role", "duty", "active")}
    if cadre_id is None:
        cadre_id = db.session.execute(
            text("""
            INSERT INTO cadre (name, unit, phone, role, duty, active, user_id, village_id)
            VALUES (:name, :unit, :phone, :role, :duty, :active, :user_id, :village) RETURNING id"""),
            {**columns, "user_id": user_id, "village": village_id},
        ).scalar_one()
    else:
        db.session.execute(
            text("""
            UPDATE cadre SET name = :name, unit = :unit, phone = :phone, role = :role, duty = :duty,
                   active = :active, user_id = :user_id
            WHERE id = :id"""),
            {**columns, "user_id": user_id, "id": cadre_id},
        )
    db.session.execute(text("DELETE FROM cadre_patch WHERE cadre_id = :id"), {"id": cadre_id})
    db.session.execute(
        text("""
        INSERT INTO cadre_patch (cadre_id, natural_village_id)
        SELECT :id, id FROM natural_village
        WHERE village_id = :village AND code = ANY(:codes) ORDER BY id"""),
        {"id": cadre_id, "village": village_id, "codes": list(values["natural_villages"])},
    )
    db.session.execute(
        text("""
        INSERT INTO cadre_patch (cadre_id, household_id)
        SELECT :id, h.id FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
        WHERE nv.village_id = :village AND h.code = ANY(:codes) ORDER BY h.id"""),
        {"id": cadre_id, "village": village_id, "codes": list(values["households"])},
    )
    return cadre_id
