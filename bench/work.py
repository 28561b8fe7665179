"""民情 work figures (#11): the coverage map from 1,000,000 visits, a cadre's overdue list, a 100,000-row
visit log from XLSX, and the phone visit form's weight.

Peers measured in the same run on the same data:
- coverage: ours (the registry indicator over `household_work`, kept by triggers) vs counting each
  household's visits in the last 12 months from the visit table at request time;
- overdue list: the page vs its query alone;
- visit log: ours (read → check → stage by COPY → check in SQL → one insert) vs reading the same XLSX
  with pandas alone.
"""

import gzip
import secrets
import statistics
import tempfile
import time

import flask_migrate
import pandas as pd
import pyogrio
from sqlalchemy import text

from bench import database

SUFFIX = "_bench_work"
VISITS = 1_000_000
LOG_ROWS = 100_000


def _median_ms(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _load(app, households: int, visits: int):
    """Load a county, its year of work, and older years' visits up to `visits`; return the work."""
    from app import localtime, queries
    from app.extensions import db
    from app.queries import work as work_queries
    from geodata.generator import generate_county
    from geodata.work import generate_work

    with app.app_context():
        flask_migrate.upgrade()
        county = generate_county(households=households, seed=7)
        work = generate_work(county, seed=7, as_of=localtime.today())
        queries.load_county(county)
        work_queries.load_work(work)
        db.session.commit()
        year = db.session.execute(text("SELECT count(*) FROM visit")).scalar_one()
        # Earlier years: the same rounds, a year, two years … back.
        db.session.execute(
            text("""
            INSERT INTO visit (uid, household_id, cadre_id, visited_on, kind, findings, source)
            SELECT gen_random_uuid(), v.household_id, v.cadre_id, v.visited_on - 365 * g, v.kind,
                   v.findings, 'bench'
            FROM generate_series(1, :years) g CROSS JOIN visit v
            LIMIT :more"""),
            {"years": visits // max(year, 1) + 1, "more": max(visits - year, 0)},
        )
        db.session.commit()
        queries.analyze()
        work_queries.analyze()
        db.session.commit()
        return county, work


def _client(app, role: str, village: str | None = None, *, username: str | None = None):
    from app.auth import create_user
    from app.extensions import db
    from app.queries.work import link_users_to_cadres
    from tests.conftest import log_in

    password = secrets.token_urlsafe(12)
    with app.app_context():
        username = username or f"bench-{role}"
        create_user(username, password, role=role, villages=[village] if village else [])
        link_users_to_cadres()
        db.session.commit()
    client = app.test_client()
    log_in(client, username, password)
    return client


def coverage(app, client, *, repeat: int) -> None:
    from app import indicators
    from app.extensions import db
    from app.queries import _natural_village_stats

    with app.app_context():
        visits = db.session.execute(text("SELECT count(*) FROM visit")).scalar_one()

    def page():
        response = client.get("/?indicator=visit_coverage")
        assert response.status_code == 200

    ours = _median_ms(page, repeat)
    print(
        f"coverage map of the county (overview page, visit coverage), {visits:,} visits: "
        f"median {ours:.0f} ms   [target < 300 ms]"
    )
    plain = _median_ms(lambda: client.get("/?indicator=registered_poor"), repeat)
    print(f"  the same page coloured by a household column (registered poor): median {plain:.0f} ms")
    naive = """
        SELECT nv.township, avg(CASE WHEN coalesce(c.n, 0) >= 2 THEN 100 ELSE 0 END)
        FROM household h
        JOIN (SELECT n.id, t.id AS township FROM natural_village n JOIN admin_unit v ON v.id = n.village_id
              JOIN admin_unit t ON t.id = v.parent_id) nv ON nv.id = h.natural_village_id
        LEFT JOIN (SELECT household_id, count(*) AS n FROM visit
                   WHERE visited_on > current_date - interval '12 months' GROUP BY household_id) c
               ON c.household_id = h.id
        GROUP BY nv.township"""
    ours_sql = f"""
        SELECT t.id, sum(s.visit_coverage__sum) / nullif(sum(s.visit_coverage__n), 0)
        FROM ({_natural_village_stats(only=[indicators.BY_KEY["visit_coverage"]])}) s
        JOIN natural_village n ON n.id = s.natural_village_id JOIN admin_unit v ON v.id = n.village_id
        JOIN admin_unit t ON t.id = v.parent_id
        GROUP BY t.id"""
    with app.app_context():
        aggregate = _median_ms(lambda: db.session.execute(text(ours_sql)).all(), repeat)
        peer = _median_ms(lambda: db.session.execute(text(naive)).all(), repeat)
    print(
        f"  the coverage indicator's aggregate alone (registry SQL over household_work): "
        f"median {aggregate:.0f} ms"
    )
    print(
        f"  peer: counting the visit table at request time, the aggregate alone: median {peer:.0f} ms "
        f"(ratio page/peer {ours / peer:.2f})"
    )


def overdue(app, client, county, *, repeat: int) -> None:
    from app import localtime, privacy
    from app.queries import work_lists

    with app.app_context():
        cadre = work_lists.cadre(user_id=_user_id(app, "bench-cadre"))
        patch = work_lists.patch_size(cadre["id"])
    point = county.households.geometry.iloc[0]
    url = f"/work/overdue?lon={point.x:.6f}&lat={point.y:.6f}"
    assert client.get(url).status_code == 200
    ours = _median_ms(lambda: client.get(url), repeat)
    rules = privacy.field_rules(privacy.Detail.FULL)
    with app.app_context():
        query = _median_ms(
            lambda: work_lists.overdue(cadre["id"], rules, today=localtime.today(), near=(point.x, point.y)),
            repeat,
        )
    print(
        f"a cadre's overdue list ({patch} households in the patch), page sorted by distance: "
        f"median {ours:.0f} ms   [target < 100 ms]"
    )
    print(f"  its query alone: median {query:.1f} ms")


def _user_id(app, username: str) -> int:
    from app.extensions import db

    with app.app_context():
        return db.session.execute(
            text("SELECT id FROM app_user WHERE username = :u"), {"u": username}
        ).scalar_one()


def visit_log(app, county, work, rows: int) -> None:
    from app import localtime
    from app.extensions import db
    from app.importers.visits import import_visits

    owner = work.patches[work.patches.natural_village_code != ""].set_index("natural_village_code").phone
    village = county.households.set_index("code").natural_village_code
    visits = work.visits[
        work.visits.phone.to_numpy() == village.map(owner)[work.visits.household_code].to_numpy()
    ]
    visits = pd.concat([visits] * (rows // len(visits) + 1), ignore_index=True).head(rows)
    log = pd.DataFrame(
        {
            "户编号": visits.household_code,
            "走访干部手机号": visits.phone,
            "走访日期": pd.to_datetime(visits.visited_on).dt.strftime("%Y-%m-%d"),
            "走访类型": visits.kind.map(
                {"routine": "日常走访", "holiday": "节日慰问", "follow_up": "诉求回访"}
            ),
            "走访情况": visits.findings + "（台账第" + pd.Series(range(len(visits))).astype(str) + "行）",
            "经度": visits.lon,
            "纬度": visits.lat,
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/走访台账.xlsx"
        pyogrio.write_dataframe(log, path, layer="走访台账", driver="XLSX")
        with app.app_context():
            t0 = time.perf_counter()
            result = import_visits(path, today=localtime.today(), max_bytes=10**9)
            db.session.commit()
            ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        pd.read_excel(path, engine="calamine")
        peer = time.perf_counter() - t0
    print(
        f"visit log from XLSX, {len(log):,} rows: {ours:.1f} s, {result.inserted:,} new, "
        f"{result.rejected} refused   [target < 20 s]"
    )
    print(f"  peer pandas read_excel (calamine) of the same file, no checks, no writes: {peer:.1f} s")


def visit_write(app, cadre_client, county, work, *, repeat: int) -> None:
    """A visit sent from the phone, its natural village's statistics refreshed in the same request."""
    import uuid

    from app.extensions import db
    from app.queries import stats
    from tests.conftest import cadre_village, csrf_token

    village = cadre_village(county)
    phone = work.cadres[work.cadres.village_code == village].sort_values("phone").phone.iloc[0]
    patch = work.patches[work.patches.phone == phone].natural_village_code
    household = county.households[county.households.natural_village_code.isin(patch)].code.iloc[0]
    token = csrf_token(cadre_client.get("/work/visits/new").get_data(as_text=True))

    def send():
        body = {"uid": str(uuid.uuid4()), "household": household, "kind": "routine", "ticks": [],
                "visited_on": time.strftime("%Y-%m-%d"), "findings": "bench"}  # fmt: skip
        response = cadre_client.post("/work/visits", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 201, response.get_data(as_text=True)

    ours = _median_ms(send, repeat)

    def rebuild():
        stats.refresh()
        db.session.rollback()

    with app.app_context():
        peer = _median_ms(rebuild, max(3, repeat // 3))
    print(f"a visit from the phone, its natural village's statistics refreshed at once: median {ours:.0f} ms")
    print(f"  peer: rebuilding the county's statistics (what a write cost before): median {peer:.0f} ms")


def form_weight(client) -> None:
    sizes = {}
    for url in ("/work/visits/new", "/static/app.css", "/static/js/visit-queue.js"):
        response = client.get(url)
        sizes[url] = (len(response.data), len(gzip.compress(response.data)))
        response.close()
    raw = sum(s[0] for s in sizes.values())
    packed = sum(s[1] for s in sizes.values())
    print(
        f"phone visit form: page + CSS + script {raw / 1024:.1f} KB ({packed / 1024:.1f} KB gzipped)"
        "   [target < 100 KB]"
    )


def run(*, households: int, repeat: int, visits: int = VISITS, log_rows: int = LOG_ROWS) -> None:
    from app import create_app
    from tests.conftest import cadre_village

    url = database.fresh(SUFFIX)
    print(f"# 民情 work benchmarks: {households:,} households, {visits:,} visits, median of {repeat} runs")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    t0 = time.perf_counter()
    county, work = _load(app, households, visits)
    print(f"  (county, a year of work and older visits loaded in {time.perf_counter() - t0:.0f} s)")
    leader = _client(app, "leader")
    cadre = _client(app, "cadre", cadre_village(county))
    coverage(app, leader, repeat=repeat)
    overdue(app, cadre, county, repeat=repeat)
    form_weight(cadre)
    visit_write(app, cadre, county, work, repeat=repeat)
    visit_log(app, county, work, log_rows)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    database.drop(SUFFIX)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=170_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--visits", type=int, default=VISITS)
    parser.add_argument("--log-rows", type=int, default=LOG_ROWS)
    args = parser.parse_args()
    run(households=args.households, repeat=args.repeat, visits=args.visits, log_rows=args.log_rows)
