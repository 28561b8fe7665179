"""The monthly analysis report and the leaders' demand figures (#12) on the demo county's year of demands.

Peers measured in the same run on the same data:
- a village's report PDF (target < 1 s) beside the village's largest natural-village map print;
- a township's report PDF beside its village's;
- the dashboard with its demand figures beside the figures' trend query alone.
Run alone: `python -m bench.demand_report --households 170000`.
"""

import argparse
import datetime
import secrets

from sqlalchemy import text

from bench import database
from bench.work import _median_ms

SUFFIX = "_bench_demand_report"


def _load(app, households: int) -> dict:
    """Load the demo county, its work and its year of demands; return the busiest village and its parts."""
    import flask_migrate

    from app import queries
    from app.extensions import db
    from app.queries import work as work_queries
    from app.queries.demand_load import load_demands
    from geodata.demands import generate_demands
    from geodata.generator import generate_county
    from geodata.work import generate_work

    today = datetime.date.today()
    with app.app_context():
        flask_migrate.upgrade()
        county = generate_county(households=households, seed=7)
        work = generate_work(county, seed=7, as_of=today)
        queries.load_county(county)
        work_queries.load_work(work)
        loaded = load_demands(generate_demands(county, work, seed=7, as_of=today))
        db.session.commit()
        queries.analyze()
        place = (
            db.session.execute(
                text("""
                SELECT v.code AS village, t.code AS township,
                       (SELECT nv.code FROM natural_village nv
                        JOIN household h ON h.natural_village_id = nv.id WHERE nv.village_id = v.id
                        GROUP BY nv.code ORDER BY count(*) DESC LIMIT 1) AS sheet
                FROM demand d JOIN admin_unit v ON v.id = d.village_id JOIN admin_unit t ON t.id = v.parent_id
                GROUP BY v.id, v.code, t.code ORDER BY count(*) DESC, v.code LIMIT 1""")
            )
            .mappings()
            .one()
        )
        return {**place, "demands": loaded}


def _line(label: str, ms: float, peer: str = "", peer_ms: float | None = None) -> None:
    ratio = f"  ({ms / peer_ms:.1f}x {peer}, {peer_ms:.1f} ms)" if peer_ms else ""
    print(f"  {label:<44}{ms:8.1f} ms{ratio}")


def run(*, households: int, repeat: int) -> None:
    from app import create_app, localtime
    from app.demands.figures import figures, last_months
    from app.extensions import db
    from app.models import User
    from app.queries import demand_stats

    url = database.fresh(SUFFIX)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
    place = _load(app, households)
    client = database.logged_in(app)
    month = f"{datetime.date.today():%Y-%m}"
    print(f"# demand report: {place['demands']:,} demands in a year over {households:,} households")

    def get(path: str):
        response = client.get(path)
        assert response.status_code == 200, response.data[:300]
        response.close()

    village = _median_ms(lambda: get(f"/demands/report?code={place['village']}&month={month}"), repeat)
    sheet = _median_ms(lambda: get(f"/print/natural-villages/{place['sheet']}.pdf?table=0"), repeat)
    _line("village report PDF (target < 1 s)", village, "a natural-village map", sheet)
    township = _median_ms(lambda: get(f"/demands/report?code={place['township']}&month={month}"), repeat)
    _line("township report PDF", township, "the village's", village)
    xlsx = _median_ms(lambda: get(f"/demands/report?code={place['township']}&format=xlsx"), repeat)
    _line("township report XLSX", xlsx, "its PDF", township)
    with app.test_request_context():
        months = last_months(localtime.today())
        zone = localtime.zone().key
        counted = _median_ms(lambda: demand_stats.trend(months, zone=zone), repeat)
        leader = db.session.execute(text("SELECT * FROM app_user WHERE username = 'bench-leader'")).one()
        user = db.session.get(User, leader.id)
        figures(user, today=localtime.today(), zone=zone)  # counted once, then kept
        kept = _median_ms(lambda: figures(user, today=localtime.today(), zone=zone), repeat)
    _line("county figures, first view (counted)", counted)
    _line("county figures, later views (kept)", kept, "counting them", counted)
    _line("/dashboard page, figures kept", _median_ms(lambda: get("/dashboard"), repeat))
    with app.app_context():
        db.engine.dispose()
    database.drop(SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    for name, default in (("households", 170_000), ("repeat", 5)):
        parser.add_argument(f"--{name}", type=int, default=default)
    run(**vars(parser.parse_args()))
