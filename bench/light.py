"""Light pages at prefecture scale (#13 item 5, #15 item 2): the overview's bytes and server time.

One command: ``python -m bench.light`` (``--households 170000 1000000``). Each county is
generated once into its own bench database and reused while its household count matches.
Measured in-process through the WSGI test client (server time, no network), as a leader:
- the overview page: bytes raw and gzipped (level 4, as deploy/nginx), first request after a
  start (cold caches) and median/p95 of the following ones;
- switching the indicator: ours fetches /areas/<county>/values.json; the old page reloads;
- the dashboard.
The peer is the old page: the main checkout's code (``--old``, default /work/main) on the same
database in the same run.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from bench import database, foundation

HERE = Path(__file__).resolve().parent.parent
TARGETS = {170_000: 500_000, 1_000_000: 1_500_000}  # overview bytes transferred (gzip)
SERVER_TARGET = 0.300  # seconds, at 1M: overview and dashboard

# A measurement's start: `app` on the database at URL, and a `client` signed in as a new leader.
LEADER = r"""
import datetime, gzip, json, secrets, statistics, sys, time
from sqlalchemy import text
from app import create_app, indicators
from app.auth import create_user
from app.extensions import db
from tests.conftest import log_in

app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "SECRET_KEY": "bench"})
name, password = "bench-" + secrets.token_hex(4), secrets.token_urlsafe(12)
with app.app_context():
    create_user(name, password, role="leader")
    db.session.commit()
client = app.test_client()
log_in(client, name, password)
"""

MEASURE = (
    LEADER
    + r"""
with app.app_context():
    from app import queries
    county = queries.county()["code"]


def timed(url, repeat):
    first = None
    times = []
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        response = client.get(url)
        spent = time.perf_counter() - t0
        assert response.status_code == 200, (url, response.status_code)
        if i == 0:
            first = spent
        else:
            times.append(spent)
    body = response.data
    times.sort()
    return {
        "first": first,
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "raw": len(body),
        "gzip": len(gzip.compress(body, 4)),
    }


import re
result = {"overview": timed("/", REPEAT), "dashboard": timed("/dashboard", REPEAT)}
if NEW:  # the outlines the page fetches (once per data version: the browser keeps them)
    page = client.get("/").get_data(as_text=True)
    result["shapes"] = timed(re.search(r'"shapes": "([^"]+)"', page).group(1), REPEAT)
switches = []
for ind in indicators.INDICATORS[1::4]:  # five of them: the old page takes seconds each
    url = f"/areas/{county}/values.json?indicator={ind.key}" if NEW else f"/?indicator={ind.key}"
    switches.append(timed(url, 2))
result["switch"] = {
    "first": statistics.median(s["first"] for s in switches),
    "median": statistics.median(s["median"] for s in switches),
    "raw": statistics.median(s["raw"] for s in switches),
    "gzip": statistics.median(s["gzip"] for s in switches),
}
print(json.dumps(result))
"""
)


def _households(url: str) -> int | None:
    """Return the households loaded in the database at `url`, or None when it has none."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM household")).scalar_one()
    except (OperationalError, ProgrammingError):  # no database yet, or no tables
        return None
    finally:
        engine.dispose()


def county(households: int) -> str:
    """Return the URL of a bench database holding a generated county of `households`, loading it if needed."""
    suffix = f"_light_{households}"
    url = database.url(suffix)
    if _households(url) == households:
        return url
    url = database.fresh(suffix)
    line, _peak = foundation.in_subprocess(foundation.LOAD.format(households=households), url)
    print(f"  generated and loaded {households:,} households in {sum(map(float, line.split())):.0f} s")
    return url


def measure(root: Path, url: str, *, new: bool, repeat: int) -> dict:
    """Run the measurement with the code at `root` against `url`; return its figures."""
    code = f"URL = {url!r}\nREPEAT = {repeat}\nNEW = {new}\n" + MEASURE
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _kb(size: float) -> str:
    return f"{size / 1000:,.0f} KB"


def report(households: int, ours: dict, old: dict | None) -> None:
    """Print one county's figures beside the targets and the old page's."""
    o, sh = ours["overview"], ours["shapes"]
    target = TARGETS.get(households)
    at_1m = f"   [target < {_ms(SERVER_TARGET)} at 1M]" if households >= 1_000_000 else ""
    print(
        f"overview, {households:,} households, first visit (page + outlines): "
        f"{_kb(o['raw'] + sh['raw'])} raw, {_kb(o['gzip'] + sh['gzip'])} gzip"
        + (f"   [target < {_kb(target)} gzip]" if target else "")
    )
    print(
        f"  page {_kb(o['raw'])} raw, {_kb(o['gzip'])} gzip: first {_ms(o['first'])}, "
        f"then median {_ms(o['median'])}, p95 {_ms(o['p95'])}{at_1m}"
    )
    print(
        f"  outlines (kept by the browser until the data change) {_kb(sh['raw'])} raw, "
        f"{_kb(sh['gzip'])} gzip: "
        f"first {_ms(sh['first'])}, then median {_ms(sh['median'])}, p95 {_ms(sh['p95'])}"
    )
    s = ours["switch"]
    print(
        f"  switching the indicator (values JSON, median over indicators): {_kb(s['raw'])} raw, "
        f"{_kb(s['gzip'])} gzip; first {_ms(s['first'])}, then {_ms(s['median'])}"
    )
    d = ours["dashboard"]
    print(
        f"dashboard, {households:,} households: first {_ms(d['first'])}, median {_ms(d['median'])}, "
        f"p95 {_ms(d['p95'])}" + at_1m
    )
    if old is None:
        return
    oo, os_, od = old["overview"], old["switch"], old["dashboard"]
    print(
        f"  peer, the old page (same data, same run): overview {_kb(oo['raw'])} raw, {_kb(oo['gzip'])} gzip, "
        f"median {_ms(oo['median'])} "
        f"(ratio ours/old: bytes gzip {(o['gzip'] + sh['gzip']) / oo['gzip']:.2f}, "
        f"time {o['median'] / oo['median']:.3f})"
    )
    print(
        f"  peer switch = full page reload: {_kb(os_['gzip'])} gzip, median {_ms(os_['median'])} "
        f"(ratio ours/old: bytes {s['gzip'] / os_['gzip']:.3f}, time {s['median'] / os_['median']:.3f}); "
        f"peer dashboard median {_ms(od['median'])} (ratio {d['median'] / od['median']:.2f})"
    )


def run(*, households: list[int], repeat: int, old: Path | None) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# Light pages: median of {repeat} requests after the first (load {load}, {os.cpu_count()} cores)")
    for n in households:
        url = county(n)
        ours = measure(HERE, url, new=True, repeat=repeat)
        peer = measure(old, url, new=False, repeat=repeat) if old else None
        report(n, ours, peer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[170_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--old", default="/work/main", help="checkout of the old page ('' to skip)")
    args = parser.parse_args()
    run(households=args.households, repeat=args.repeat, old=Path(args.old) if args.old else None)


if __name__ == "__main__":
    main()
