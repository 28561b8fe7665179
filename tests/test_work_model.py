"""Work tables keep their rules: one pairing at a time, a visit stored once, derived state follows (#11)."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.extensions import db

pytestmark = pytest.mark.usefixtures("app_context")


def household() -> int:
    """Return the id of a household no generated work touches (a fresh one in the first natural village)."""
    return db.session.execute(
        text("""
        INSERT INTO household (code, head_name, geom, natural_village_id)
        SELECT '52269999999999999', '测试', ST_PointOnSurface(geom), id
        FROM natural_village ORDER BY code LIMIT 1
        RETURNING id""")
    ).scalar_one()


def cadre(phone: str = "13800000001") -> int:
    return db.session.execute(
        text("""
        INSERT INTO cadre (name, phone, role, village_id)
        SELECT '王测试', :phone, 'resident', id FROM admin_unit WHERE level = 'village' ORDER BY code LIMIT 1
        RETURNING id"""),
        {"phone": phone},
    ).scalar_one()


def visit(household_id: int, cadre_id: int, on: str, uid: uuid.UUID | None = None) -> None:
    db.session.execute(
        text("""
        INSERT INTO visit (uid, household_id, cadre_id, visited_on, kind)
        VALUES (:uid, :h, :c, :on, 'routine')"""),
        {"uid": uid or uuid.uuid4(), "h": household_id, "c": cadre_id, "on": on},
    )


def state(household_id: int) -> dict:
    row = db.session.execute(
        text("""
        SELECT last_visit_on::text AS last, previous_visit_on::text AS previous, paired::text AS paired,
               measures, measures_done, visit_dates::text[] AS visit_dates, done_dates::text[] AS done_dates
        FROM household_work WHERE household_id = :h"""),
        {"h": household_id},
    ).mappings()
    return dict(row.one())


def test_a_households_last_two_visits_follow_inserts_and_deletes():
    h, c = household(), cadre()
    for on in ("2026-03-01", "2026-09-10", "2026-05-20"):  # logged out of order, as imports do
        visit(h, c, on)
    assert state(h) | {"paired": None} == {
        "last": "2026-09-10",
        "previous": "2026-05-20",
        "paired": None,
        "measures": 0,
        "measures_done": 0,
        "visit_dates": [
            "2026-03-01",
            "2026-05-20",
            "2026-09-10",
        ],  # every one, ascending: past views read them
        "done_dates": [],
    }
    db.session.execute(
        text("DELETE FROM visit WHERE household_id = :h AND visited_on = '2026-09-10'"), {"h": h}
    )
    assert (state(h)["last"], state(h)["previous"]) == ("2026-05-20", "2026-03-01")
    assert state(h)["visit_dates"] == ["2026-03-01", "2026-05-20"]


def test_a_visit_sent_twice_is_refused_the_second_time():
    h, c, uid = household(), cadre(), uuid.uuid4()
    visit(h, c, "2026-03-01", uid)
    with pytest.raises(IntegrityError, match="uq_visit_uid"):
        visit(h, c, "2026-03-01", uid)


def test_a_cadre_and_household_have_one_pairing_at_a_time_and_keep_their_history():
    h, c = household(), cadre()
    pair = "INSERT INTO pairing (cadre_id, household_id, valid) VALUES (:c, :h, daterange(:a, :b))"
    db.session.execute(text(pair), {"c": c, "h": h, "a": "2024-01-01", "b": "2025-07-01"})
    db.session.execute(text(pair), {"c": c, "h": h, "a": "2025-07-01", "b": None})  # paired again
    assert state(h)["paired"] == "{[2024-01-01,)}"
    with pytest.raises(IntegrityError, match="ex_pairing_one_at_a_time"), db.session.begin_nested():
        db.session.execute(text(pair), {"c": c, "h": h, "a": "2026-01-01", "b": None})
    # Another cadre may help the same household meanwhile.
    db.session.execute(text(pair), {"c": cadre("13800000002"), "h": h, "a": "2026-01-01", "b": None})
    db.session.execute(
        text(
            "UPDATE pairing SET valid = daterange(lower(valid), '2025-01-01') WHERE cadre_id = :c AND "
            "lower(valid) = '2024-01-01'"
        ),
        {"c": c},
    )
    assert state(h)["paired"] == "{[2024-01-01,2025-01-01),[2025-07-01,)}"


def test_measures_done_are_counted_per_household():
    h = household()
    db.session.execute(
        text("""
        INSERT INTO measure (household_id, kind, status, status_on) VALUES
            (:h, 'industry', 'done', '2026-04-01'), (:h, 'education', 'under_way', '2026-05-01'),
            (:h, 'housing', 'planned', '2026-06-01')"""),
        {"h": h},
    )
    assert (state(h)["measures"], state(h)["measures_done"], state(h)["done_dates"]) == (3, 1, ["2026-04-01"])
    db.session.execute(
        text("""
            UPDATE measure SET status = 'done', status_on = '2026-07-01'
            WHERE household_id = :h AND kind <> 'industry'"""),
        {"h": h},
    )
    assert state(h)["measures_done"] == 3
    assert state(h)["done_dates"] == ["2026-04-01", "2026-07-01", "2026-07-01"]


@pytest.mark.parametrize(
    ("targets", "ok"), [("NULL, NULL", False), (":nv, :h", False), (":nv, NULL", True), ("NULL, :h", True)]
)
def test_a_patch_piece_is_one_natural_village_or_one_household(targets, ok):
    h, c = household(), cadre()
    nv = db.session.execute(text("SELECT natural_village_id FROM household WHERE id = :h"), {"h": h}).scalar()
    insert = text(
        f"INSERT INTO cadre_patch (cadre_id, natural_village_id, household_id) VALUES (:c, {targets})"
    )
    if ok:
        db.session.execute(insert, {"c": c, "nv": nv, "h": h})
    else:
        with pytest.raises(IntegrityError, match="one_target"):
            db.session.execute(insert, {"c": c, "nv": nv, "h": h})


def test_a_cadres_phone_is_a_mobile_number():
    with pytest.raises(IntegrityError, match="phone_mobile"):
        cadre("08511234567")  # a landline: 11 characters, no mobile prefix
