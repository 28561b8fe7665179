"""Hardening figures (#10): a long fuzz of every route, login timing, and the log while the database is down.

- fuzz: FUZZ requests (tests/fuzzing.py's strategies) as four principals against a small county of its
  own; the target is zero 5xx in at least 10,000;
- logins: a wrong password for a real user against one for a name nobody has (they were 0.37 s and
  0.011 s, which told which names exist), and how many failures trip the back-off (target: within 10);
- database down: bytes the error log grows per failed request (it was ~10 KB: 50 MB in 30 s).

Run alone with `python -m bench.hardening [--requests N]`.
"""

import argparse
import io
import logging
import secrets
import socket
import statistics
import time
from collections import Counter

from bench import database

SUFFIX = "_bench_hardening"
HOUSEHOLDS = 3000


def _app(url: str, **settings):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", **settings})


def _county(app) -> dict[str, tuple[str, ...]]:
    """Load a small county into the app's database; return real path values for the fuzz."""
    import flask_migrate

    from app import queries
    from app.extensions import db
    from geodata.generator import generate_county

    with app.app_context():
        flask_migrate.upgrade()
        county = generate_county(households=HOUSEHOLDS, seed=7)
        queries.load_county(county)
        db.session.commit()
        queries.analyze()
    from tests.fuzzing import real_values

    return real_values(county)


def _principals(app) -> dict[str, dict]:
    from app.accounts import create_token, create_user
    from app.extensions import db

    made = {}
    with app.app_context():
        for role in ("admin", "cadre", "gis"):
            user = create_user(f"bench-{role}", secrets.token_urlsafe(12), role=role)
            made[role] = {"X-API-Token": create_token(user, name="bench fuzz")}
        db.session.commit()
    return {"anonymous": {}} | made


def fuzz(app, real: dict, *, requests: int) -> None:
    from tests.fuzzing import fuzz as send

    app.config["WTF_CSRF_ENABLED"] = False  # so fuzzed forms reach the views
    t0 = time.perf_counter()
    statuses, failures = send(app, real, _principals(app), examples=requests)
    took = time.perf_counter() - t0
    sent = sum(statuses.values())
    rate = sent / took
    print(f"fuzz: {sent:,} requests in {took:.0f} s ({rate:.0f}/s); 5xx outside /basemap: {len(failures)}")
    print("  statuses: " + ", ".join(f"{status} ×{n:,}" for status, n in sorted(statuses.items())))
    for failure in failures[:10]:
        print(f"  {failure}")


def logins(app, *, repeat: int) -> None:
    from tests.conftest import log_in

    username, password = "bench-login", secrets.token_urlsafe(12)
    with app.app_context():
        from app.accounts import create_user
        from app.extensions import db

        create_user(username, password, role="gis")
        db.session.commit()

    def median(name: str) -> float:
        samples = []
        for i in range(repeat):
            client = app.test_client()
            t0 = time.perf_counter()
            log_in(client, name, f"wrong-{i}")
            samples.append(time.perf_counter() - t0)
            with app.app_context():  # forget the failure, so no back-off skews the next sample
                from app import logins as backoff
                from app.extensions import db

                backoff.unlock(username=name, address="127.0.0.1")
                db.session.commit()
        return statistics.median(samples)

    known, unknown = median(username), median(f"nobody-{secrets.token_hex(3)}")
    print(f"logins: wrong password, real user {known * 1000:.0f} ms; unknown name {unknown * 1000:.0f} ms")
    client = app.test_client()
    tries = next(n for n in range(1, 30) if log_in(client, username, f"guess-{n}").status_code == 429)
    print(f"  the back-off answered 429 at try {tries} (target: within 10)")


def database_down(*, requests: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = _app(f"postgresql://minqing@127.0.0.1:{port}/minqing")
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)  # everything that propagates: the app's log and Flask's
    client = app.test_client()
    t0 = time.perf_counter()
    statuses = Counter(
        client.get("/api/townships/1/natural-villages", auth=("bench", "bench")).status_code
        for _ in range(requests)
    )
    took = time.perf_counter() - t0
    logging.getLogger().removeHandler(handler)
    size = len(log.getvalue().encode())
    print(
        f"database down: {requests} requests in {took:.1f} s, statuses {dict(statuses)}; "
        f"log grew {size:,} bytes ({size / requests:.0f} per request; it was ~10,000)"
    )


def run(*, households: int, repeat: int, requests: int = 10_000) -> None:
    """Print the figures; `households` is unused (the fuzz county is small, so exports stay quick)."""
    del households
    url = database.fresh(SUFFIX)
    try:
        app = _app(url, LOGIN_ACCOUNT_FAILURES=5, LOGIN_ADDRESS_FAILURES=10)
        real = _county(app)
        print(f"# Hardening: {HOUSEHOLDS:,} households; medians of {repeat} logins")
        logins(app, repeat=repeat)
        database_down(requests=200)
        fuzz(app, real, requests=requests)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    finally:
        database.drop(SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000, help="Fuzzed requests (at least 10,000).")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    run(households=HOUSEHOLDS, repeat=args.repeat, requests=args.requests)
