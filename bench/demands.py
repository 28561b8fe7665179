"""People's demands (#12): the overdue list of a village and of the county, and gis's counts, over
1,000,000 demands.

Peers measured in the same run on the same data: the list's query alone vs the whole page.
Run alone: `python -m bench.demands --households 170000`.
"""

import argparse
import datetime
import secrets

from flask import Flask
from sqlalchemy import text

from bench import database
from bench.work import _median_ms

SUFFIX = "_bench_demands"
DEMANDS = 1_000_000
KINDS = (
    "ARRAY['roads','water','housing','medical_insurance','education','employment','dispute','dibao','other']"
)
STATES = "ARRAY['registered','accepted','assigned','in_progress','answered','closed','closed','closed']"


def _load(app: Flask, households: int, demands: int) -> int:
    """Load a county and `demands` demands spread over its households and the last year; return a village."""
    from app import queries
    from app.extensions import db
    from geodata.generator import generate_county

    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade()
        queries.load_county(generate_county(households=households, seed=7))
        # Straight into the table (no events): the lists read only the demand rows.
        db.session.execute(
            text(f"""
            INSERT INTO demand (household_id, person_name, geom, natural_village_id, village_id, channel,
                                kind, urgency, description, raised_on, due_on, state)
            SELECT h.id, h.head_name, h.geom, h.natural_village_id, nv.village_id, 'visit',
                   ({KINDS})[1 + g % 9], CASE WHEN g % 10 = 0 THEN 'urgent' ELSE 'normal' END, '诉求',
                   current_date - g % 365, current_date - g % 365 + 14, ({STATES})[1 + g % 8]
            FROM generate_series(1, :n) g
            JOIN household h ON h.id = 1 + g % :households
            JOIN natural_village nv ON nv.id = h.natural_village_id"""),
            {"n": demands, "households": households},
        )
        db.session.commit()
        db.session.execute(text("ANALYZE demand"))
        return db.session.execute(
            text("SELECT v.code FROM admin_unit v WHERE level = 'village' ORDER BY code LIMIT 1")
        ).scalar_one()


def _line(label: str, ms: float) -> None:
    print(f"  {label:<38}{ms:7.1f} ms")


def run(*, households: int, repeat: int, demands: int = DEMANDS) -> None:
    from app import create_app
    from app.auth import create_user
    from app.demands import deadlines
    from app.extensions import db
    from app.queries import demands as queries
    from tests.conftest import log_in

    url = database.fresh(SUFFIX)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
    village = _load(app, households, demands)
    today = datetime.date.today()
    soon = deadlines.add_working_days(today, deadlines.DUE_SOON_WORKING_DAYS)
    passwords = {role: secrets.token_urlsafe(12) for role in ("cadre", "leader")}
    with app.app_context():
        village_id = db.session.execute(
            text("SELECT id FROM admin_unit WHERE code = :c"), {"c": village}
        ).scalar_one()
        mine = queries.Filters(today=today, soon_until=soon, overdue=True, villages=frozenset({village_id}))
        county = queries.Filters(today=today, soon_until=soon, overdue=True)
        print(f"demands: {demands:,} over {households:,} households")
        _line("overdue list, one village (query)", _median_ms(lambda: queries.listing(mine), repeat))
        _line("overdue list, county (query)", _median_ms(lambda: queries.listing(county), repeat))
        _line("counts by state and kind (gis)", _median_ms(lambda: queries.counts(county), repeat))
        for role, password in passwords.items():
            create_user(f"bench-{role}", password, role=role, villages=[village] if role == "cadre" else [])
        db.session.commit()
    # Requests outside any pushed app context, as in production (Flask-Login caches the user there).
    for role, password in passwords.items():
        client = app.test_client()
        log_in(client, f"bench-{role}", password)
        _line(
            f"/demands?overdue=1 page ({role})",
            _median_ms(lambda c=client: c.get("/demands?overdue=1").close(), repeat),
        )
    with app.app_context():
        db.engine.dispose()
    database.drop(SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    for name, default in (("households", 170_000), ("demands", DEMANDS), ("repeat", 7)):
        parser.add_argument(f"--{name}", type=int, default=default)
    run(**vars(parser.parse_args()))
