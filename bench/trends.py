"""The dashboard's trend at prefecture scale (#13 item 3): its server time beside the dashboard without it.

One command: ``python -m bench.trends`` (``--households 170000 1000000``). Each county is generated with
its five years of history into its own bench database (``<database>_trends_<n>``, dropped at the end
unless ``--keep``). Measured in-process through the WSGI test client (server time, no network), as a
leader, median of the requests after the first:
- ``/dashboard`` and ``/dashboard?township=…``, the data unchanged (caches warm);
- the same right after a write (the statistics' version bumped, as by any web write: caches start again);
- the year-end figures read from ``township_trend`` beside the six as-of aggregations over the
  history a per-process cache keyed by the version would redo after every write;
- rebuilding the table (after history is loaded).
The peer is the dashboard without trends: the main checkout's code (``--old``, default /work/main) on
the same database in the same run, measured in turn with ours (``--rounds``) so that the shared
machine's changing load weighs on both alike.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from bench import database
from bench.light import LEADER

HERE = Path(__file__).resolve().parent.parent
SERVER_TARGET = 0.300  # seconds, at 1M

LOAD = r"""
import flask_migrate
from app import create_app, localtime, queries, versions
from app.extensions import db
from app.queries.asof import load_history
from geodata.generator import generate_county
from geodata.history import generate_history, with_years

app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    county = generate_county(households=HOUSEHOLDS, seed=7)
    history = generate_history(county, seed=7)
    with versions.acting(None, "bench"):
        queries.load_county(with_years(county, history))
        load_history(history, zone=localtime.zone())
        db.session.commit()
    queries.analyze()
    db.session.commit()
print(0)
"""

REBUILD = r"""
import time
from app import create_app
from app.extensions import db
from app.queries import trends

app = create_app()
with app.app_context():
    t0 = time.perf_counter()
    trends.rebuild()
    db.session.commit()
print(time.perf_counter() - t0)
"""

MEASURE = (
    LEADER
    + r"""
with app.app_context():
    township = db.session.execute(
        text("SELECT code FROM admin_unit WHERE level = 'township' ORDER BY code LIMIT 1")).scalar_one()


def bump():
    with app.app_context():
        db.session.execute(text("UPDATE natural_village_stats_state SET version = version + 1"))
        db.session.commit()


def timed(url, repeat, before=None):
    times = []
    for i in range(repeat + 1):
        if before:
            before()
        t0 = time.perf_counter()
        response = client.get(url)
        spent = time.perf_counter() - t0
        assert response.status_code == 200, (url, response.status_code)
        times.append(spent)
    return {"first": times[0], "median": statistics.median(times[1:])}


result = {
    "county": timed("/dashboard", REPEAT),
    "township": timed(f"/dashboard?township={township}", REPEAT),
    "after_write": timed("/dashboard", REPEAT, before=bump),
}
if NEW:
    from app import disclosure, localtime, queries
    from app.queries import areas, trends
    from app.suppression import Suppression

    with app.test_request_context():
        unit = areas.area(queries.county()["code"])
        nothing = Suppression(app.config["DISCLOSURE_MIN_COUNT"])

        def run(work, repeat):
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                work()
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

        years = [row["year"] for row in trends.yearly(unit, suppression=nothing)]
        ends = [localtime.end_of(datetime.date(y, 12, 31)) for y in years]
        result["years"] = years
        result["table"] = run(lambda: trends.yearly(unit, suppression=nothing), REPEAT)
        result["as_of"] = run(
            lambda: [areas.children_table(unit, suppression=nothing, as_of=end) for end in ends], 3
        )
print(json.dumps(result))
"""
)


def _prepared(url: str, households: int) -> bool:
    """Say whether `url` holds a county of `households` with its history."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM household")).scalar_one()
            versions = connection.execute(text("SELECT count(*) FROM household_history")).scalar_one()
            return count == households and versions > households
    except (OperationalError, ProgrammingError):  # no database yet, or no tables
        return False
    finally:
        engine.dispose()


def _python(root: Path, code: str, url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1]


def county(households: int) -> tuple[str, float]:
    """Return the URL of a bench database with `households` and their history, and the trend's rebuild (s)."""
    suffix = f"_trends_{households}"
    url = database.url(suffix)
    if not _prepared(url, households):
        url = database.fresh(suffix)
        _python(HERE, LOAD.replace("HOUSEHOLDS", str(households)), url)
    return url, float(_python(HERE, REBUILD, url))


def measure(root: Path, url: str, *, new: bool, repeat: int) -> dict:
    code = f"URL = {url!r}\nREPEAT = {repeat}\nNEW = {new}\n" + MEASURE
    return json.loads(_python(root, code, url))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


WHAT = {"county": "dashboard", "township": "a township's dashboard", "after_write": "dashboard after a write"}


def report(households: int, rebuilt: float, ours: dict, old: dict | None) -> None:
    at_1m = f"   [target < {_ms(SERVER_TARGET)} at 1M]" if households >= 1_000_000 else ""
    for key, what in WHAT.items():
        line = f"{what}, {households:,} households: median {_ms(ours[key]['median'])}"
        line += f" (first {_ms(ours[key]['first'])})"
        if old:
            ratio = ours[key]["median"] / old[key]["median"]
            line += f"; without trends {_ms(old[key]['median'])} (ratio {ratio:.2f})"
        print(line + at_1m)
    print(
        f"  year-end figures {ours['years'][0]}–{ours['years'][-1]} from the table {_ms(ours['table'])}, "
        f"as of each year's end from the history {_ms(ours['as_of'])} "
        f"(ratio {ours['as_of'] / ours['table']:,.0f})"
    )
    print(f"  rebuilding the table (as after history is loaded): {rebuilt:.1f} s")


def _merged(rounds: list[dict]) -> dict:
    """Return the rounds' figures as one: the first round's first request, the median of the medians."""
    merged = dict(rounds[0])
    for key in WHAT:
        medians = [r[key]["median"] for r in rounds]
        merged[key] = {"first": rounds[0][key]["first"], "median": statistics.median(medians)}
    return merged


def run(*, households: list[int], repeat: int, rounds: int, old: Path | None, keep: bool) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cores = os.cpu_count()
    print(
        f"# Dashboard trends: median of {rounds} rounds' medians of {repeat} requests after the first, "
        f"ours and the peer alternately (load {load}, {cores} cores)"
    )
    for n in households:
        url, rebuilt = county(n)
        ours, peer = [], []
        for round_ in range(rounds):  # alternately, so a change in the machine's load hits both alike
            ours.append(measure(HERE, url, new=round_ == 0, repeat=repeat))
            if old:
                peer.append(measure(old, url, new=False, repeat=repeat))
        report(n, rebuilt, _merged(ours), _merged(peer) if old else None)
        if not keep:
            database.drop(f"_trends_{n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[170_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=3, help="ours and the peer, alternately")
    parser.add_argument("--old", default="/work/main", help="checkout without trends ('' to skip)")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases for another run")
    args = parser.parse_args()
    old = Path(args.old) if args.old else None
    run(households=args.households, repeat=args.repeat, rounds=args.rounds, old=old, keep=args.keep)


if __name__ == "__main__":
    main()
