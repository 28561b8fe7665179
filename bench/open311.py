"""Open311 (#12): filing demands through POST /open311/v2/requests.json, and reading the request list.

Target: 100 demands a second through the endpoint on these 2 cores. Peer measured in the same run
on the same data: the same registrations without HTTP (the checks, the insert with its first event,
the audit row and the commit called directly), so the ratio is what the endpoint itself costs.
One process, Flask's test client (no gunicorn, no network): the figure is the application's cost.
Run alone: `python -m bench.open311 --households 20000`.
"""

import argparse
import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from bench import database
from bench.work import _median_ms

SUFFIX = "_bench_open311"
BATCH = 100
THREADS = 4  # clients at once (deploy/gunicorn.conf.py serves 2 workers × 8 threads)


def _load(app, households: int) -> tuple[str, list[str]]:
    """Load a county and an admin with a token; return the token and household codes to file for."""
    import flask_migrate

    from app import queries
    from app.accounts import create_token, create_user
    from app.extensions import db
    from geodata.generator import generate_county

    with app.app_context():
        flask_migrate.upgrade()
        queries.load_county(generate_county(households=households, seed=7))
        user = create_user("bench-hotline", secrets.token_urlsafe(12), role="admin")
        token = create_token(user, name="12345")
        db.session.commit()
        codes = list(db.session.scalars(text("SELECT code FROM household ORDER BY code LIMIT 5000")))
    return token, codes


def _batches(call, repeat: int) -> float:
    """Return the median seconds of `call` (one batch of BATCH demands)."""
    times = []
    for n in range(repeat):
        t0 = time.perf_counter()
        call(n)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(*, households: int, repeat: int) -> None:
    from app import audit, create_app, localtime
    from app.accounts import find_user
    from app.demands import checks
    from app.extensions import db
    from app.queries import demands as demand_queries

    app = create_app({"SQLALCHEMY_DATABASE_URI": database.fresh(SUFFIX), "SECRET_KEY": secrets.token_hex(16)})
    token, codes = _load(app, households)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def body(n: int, i: int) -> dict:
        code = codes[(n * BATCH + i) % len(codes)]
        return {"service_code": "water", "address_id": code, "description": "停水三天", "last_name": "王"}

    def through_http(n: int) -> None:
        for i in range(BATCH):
            response = client.post("/open311/v2/requests.json", data=body(n, i), headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)

    def direct(n: int) -> None:
        with app.test_request_context():
            user = find_user("bench-hotline")
            for i in range(BATCH):
                form = {**body(n, i), "household": body(n, i)["address_id"], "kind": "water"}
                form |= {"channel": "hotline", "urgency": "normal", "person_name": "王"}
                demand, problems = checks.check(form, today=localtime.today())
                assert not problems, problems
                demand_id = demand_queries.insert_demand(demand, user=user)
                audit.record("register_demand", str(demand_id), user=user, kind="water")
                db.session.commit()

    def concurrently(n: int) -> None:
        def post(i: int) -> int:
            return (
                app.test_client()
                .post("/open311/v2/requests.json", data=body(n, i), headers=headers)
                .status_code
            )

        with ThreadPoolExecutor(THREADS) as pool:
            assert set(pool.map(post, range(BATCH))) == {201}

    http = _batches(through_http, repeat)
    peer = _batches(direct, repeat)
    threads = _batches(concurrently, repeat)
    print(f"open311: {BATCH} demands a batch, median of {repeat} batches, {households:,} households")
    print(f"  POST /open311/v2/requests.json      {BATCH / http:7.0f} demands/s (target 100)")
    print(f"  the same without HTTP (peer)        {BATCH / peer:7.0f} demands/s; ratio {http / peer:.2f}")
    print(f"  POST from {THREADS} clients at once          {BATCH / threads:7.0f} demands/s")
    listed = _median_ms(lambda: client.get("/open311/v2/requests.json", headers=headers).close(), repeat)
    print(f"  GET requests.json (1,000 newest)    {listed:7.1f} ms")
    database.close(app, SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    for name, default in (("households", 20_000), ("repeat", 7)):
        parser.add_argument(f"--{name}", type=int, default=default)
    run(**vars(parser.parse_args()))
