"""SQL of photos (#11, #12): a visit's photo checked against its household, a demand's photos, reads.

A visit photo's flags are decided in the INSERT that stores it: no GPS in the EXIF
(``no_location``), taken farther than `far_metres` from the household's point, measured on
the ellipsoid (``far``), no time in the EXIF (``no_time``), or taken on a day (in the county's
zone) more than one day from the visit's date (``off_day``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import text

from ..extensions import db
from ..models import SRID

PHOTO_POINT = f"ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), {SRID})"
COLUMNS = "id, visit_id, demand_id, content_type, size, geom, taken_at, distance_m, flags, created_by"


def visit(uid: uuid.UUID) -> dict | None:
    """Return a visit's id, cadre, day, and its photo's id and checks (None: no photo yet), by its uid."""
    row = (
        db.session.execute(
            text("""SELECT v.id, v.cadre_id, v.visited_on, p.id AS photo_id, p.distance_m, p.flags, p.taken_at
                FROM visit v LEFT JOIN photo p ON p.visit_id = v.id WHERE v.uid = :uid"""),
            {"uid": uid},
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def insert_visit_photo(
    photo_id: uuid.UUID,
    visit_id: int,
    photo: dict,
    *,
    far_metres: float,
    zone: str,
    created_by: int,
) -> dict:
    """Store a visit's photo (`photo`: content_type, size, lon, lat, taken_at) with its checks; return them.

    The county's time `zone` decides which day the photo was taken on.
    """
    return dict(
        db.session.execute(
            text(f"""
            INSERT INTO photo ({COLUMNS})
            SELECT :id, v.id, NULL, :content_type, :size, p.geom, CAST(:taken_at AS timestamptz), d.metres,
                   array_remove(ARRAY[
                       CASE WHEN p.geom IS NULL THEN 'no_location' END,
                       CASE WHEN d.metres > :far THEN 'far' END,
                       CASE WHEN CAST(:taken_at AS timestamptz) IS NULL THEN 'no_time' END,
                       CASE WHEN abs(t.day - v.visited_on) > 1 THEN 'off_day' END]::varchar[], NULL),
                   :created_by
            FROM visit v JOIN household h ON h.id = v.household_id
            CROSS JOIN LATERAL (SELECT {PHOTO_POINT} AS geom) p
            CROSS JOIN LATERAL (
                SELECT round(ST_Distance(p.geom::geography, h.geom::geography))::int AS metres) d
            CROSS JOIN LATERAL (SELECT (CAST(:taken_at AS timestamptz) AT TIME ZONE :zone)::date AS day) t
            WHERE v.id = :visit_id
            RETURNING id AS photo_id, distance_m, flags, taken_at"""),
            {
                **photo,
                "id": photo_id,
                "visit_id": visit_id,
                "far": far_metres,
                "zone": zone,
                "created_by": created_by,
            },
        )
        .mappings()
        .one()
    )


def insert_demand_photo(photo_id: uuid.UUID, demand_id: int, photo: dict, *, created_by: int) -> None:
    """Store a demand's photo (`photo`: content_type, size, lon, lat, taken_at) as received."""
    db.session.execute(
        text(f"""
        INSERT INTO photo ({COLUMNS})
        VALUES (:id, NULL, :demand_id, :content_type, :size, {PHOTO_POINT}, CAST(:taken_at AS timestamptz),
                NULL, '{{}}', :created_by)"""),
        {**photo, "id": photo_id, "demand_id": demand_id, "created_by": created_by},
    )


def owner(photo_id: uuid.UUID) -> dict | None:
    """Return whose a photo is (``visit_uid`` or ``demand_id``) and the administrative village of it."""
    row = (
        db.session.execute(
            text("""
        SELECT v.uid::text AS visit_uid, d.id AS demand_id,
               coalesce(nv.village_id, d.village_id) AS village_id
        FROM photo p
        LEFT JOIN visit v ON v.id = p.visit_id
        LEFT JOIN household h ON h.id = v.household_id
        LEFT JOIN natural_village nv ON nv.id = h.natural_village_id
        LEFT JOIN demand d ON d.id = p.demand_id
        WHERE p.id = :id"""),
            {"id": photo_id},
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def of_demand(demand_id: int) -> list[dict]:
    """Return a demand's photos, oldest first: id and when taken (None: the EXIF does not say)."""
    rows = db.session.execute(
        text("SELECT id, taken_at, created_at FROM photo WHERE demand_id = :id ORDER BY created_at, id"),
        {"id": demand_id},
    ).mappings()
    return [dict(r) for r in rows]
