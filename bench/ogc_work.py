"""Pairings and visits through OGC API - Features (#11): a leader reading each collection whole.

Run alone: ``python -m bench.ogc_work --households 20000``. Loads a county and its year of
work into a database of its own, then reads every page (limit=10,000, following `next`
links) of `visits` and of `pairings` through the Flask test client, and one page of
`households` for comparison. No target was set; the figures are printed beside the
households page of the same run.
"""

import argparse
import secrets
import statistics
import time

from bench import database
from bench.work import _load

SUFFIX = "_bench_ogc_work"


def _read_all(client, collection: str) -> tuple[int, float]:
    """Return the features read and the seconds taken to read every page of `collection`."""
    url, seen, t0 = f"/ogc/collections/{collection}/items?limit=10000", 0, time.perf_counter()
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        seen += len(response.json["features"])
        url = next((link["href"] for link in response.json["links"] if link["rel"] == "next"), None)
    return seen, time.perf_counter() - t0


def run(*, households: int, repeat: int) -> None:
    from app import create_app
    from app.auth import create_user
    from app.extensions import db
    from tests.conftest import log_in

    url = database.fresh(SUFFIX)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
        _load(app, households, 0)
        password = secrets.token_urlsafe(12)
        with app.app_context():
            create_user("bench-leader", password, role="leader", villages=[])
            db.session.commit()
        client = app.test_client()
        log_in(client, "bench-leader", password)
        for collection in ("visits", "pairings", "households"):
            runs = [_read_all(client, collection) for _ in range(repeat)]
            seen, seconds = runs[0][0], statistics.median(s for _, s in runs)
            print(
                f"OGC {collection}, every page as a leader: {seen:,} features, "
                f"median {seconds * 1000:.0f} ms ({seen / seconds:,.0f} features/s)"
            )
    finally:
        database.drop(SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run(households=args.households, repeat=args.repeat)
