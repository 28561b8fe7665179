"""Printing figures: one A4 natural-village map; a village atlas with rosters; a township atlas.

Each is quoted beside a peer measured in the same run on the same data:
- map: ours (PostGIS query + ReportLab, every number placed without overlap, through the real
  HTTP endpoint) for the natural village nearest 300 households, per page (enlargement sheets
  count) vs the same page drawn with geopandas `.plot` + matplotlib `savefig` to PDF (CJK font,
  numbered households, overlapping as they fall, legend);
- atlases: pages per second (and peak memory) of the largest village's atlas with its rosters,
  and of a township atlas of about 200 natural villages.
"""

import os
import secrets
import statistics
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from app.printing.render import COLOURS, FONT_PATH
from bench import database


def _load(url: str, households: int):
    """Load a county and an admin user; return the app and the user's password."""
    import flask_migrate

    from app import create_app, queries
    from app.auth import create_user
    from app.extensions import db
    from geodata.generator import generate_county

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    password = secrets.token_urlsafe(12)
    with app.app_context():
        flask_migrate.upgrade()
        queries.load_county(generate_county(households=households, seed=7))
        db.session.commit()
        queries.analyze()
        create_user("bench-admin", password, role="admin")
        db.session.commit()
    return app, password


def run(*, households: int, repeat: int) -> None:
    url = database.fresh("_bench_printing")
    app, password = _load(url, households)
    engine = create_engine(url)
    with engine.connect() as connection:
        code, count = connection.execute(
            text("""SELECT nv.code, count(*) FROM natural_village nv JOIN household h
                    ON h.natural_village_id = nv.id GROUP BY nv.code
                    ORDER BY abs(count(*) - 300), 1 LIMIT 1""")
        ).one()
        village = connection.execute(
            text("""SELECT v.code FROM admin_unit v JOIN natural_village nv ON nv.village_id = v.id
                    JOIN household h ON h.natural_village_id = nv.id
                    GROUP BY v.code ORDER BY count(*) DESC, 1 LIMIT 1""")
        ).scalar_one()
        township, villages = connection.execute(
            text("""SELECT t.code, count(*) FROM admin_unit t JOIN admin_unit v ON v.parent_id = t.id
                    JOIN natural_village nv ON nv.village_id = v.id WHERE t.level = 'township'
                    GROUP BY t.code ORDER BY abs(count(*) - 200), t.code LIMIT 1""")
        ).one()
    print(f"# Printing benchmarks: {households:,} households, median of {repeat} runs where timed")

    from tests.conftest import log_in

    client = app.test_client()
    log_in(client, "bench-admin", password)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(f"/print/natural-villages/{code}.pdf?names=shown&table=0")
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.data[:200]
    ours = statistics.median(times)
    t0 = time.perf_counter()
    pages = client.get(f"/print/natural-villages/{code}.pdf?names=shown&table=1")
    with_table = time.perf_counter() - t0
    map_pages = _pages(response.data)
    print(
        f"A4 natural-village map, {count} households, numbers placed without overlap (via HTTP): median "
        f"{ours:.3f} s for {map_pages} map page(s), {ours / map_pages:.3f} s/page, PDF "
        f"{len(response.data) / 1024:,.0f} KiB   [target < 1 s/page]; with its roster "
        f"{with_table:.3f} s, {_pages(pages.data)} pages, {len(pages.data) / 1024:,.0f} KiB"
    )
    peer_times = [_matplotlib_page(engine, code) for _ in range(repeat)]
    peer = statistics.median(peer_times)
    print(
        f"  peer geopandas.plot + matplotlib savefig PDF of the same page: median {peer:.3f} s "
        f"(ours {peer / ours:.1f}x its speed)"
    )
    atlas(url, village, None, table=True)
    atlas(url, township, villages, table=False)


def _pages(body: bytes) -> int:
    """Return the number of pages of a PDF, as pdfinfo reads it."""
    info = subprocess.run(["pdfinfo", "-"], input=body, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


ATLAS = """
import resource
import time
from app import create_app
from app.extensions import db
from app.models import User
from app.printing import documents
app = create_app()
with app.app_context():
    user = db.session.query(User).filter_by(username="bench-admin").one()
    t0 = time.perf_counter()
    options = documents.Options(table={table})
    body, detail = documents.atlas_pdf(user, "{code}", options, levels=("village", "township"))
    seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(body.count(b"/Type /Page\\n"), f"{{seconds:.2f}}", len(body), f"{{peak:.0f}}")
"""


def atlas(url: str, code: str, villages: int | None, *, table: bool) -> None:
    """Time an atlas (a village's with rosters, or a township's) in a fresh interpreter (own peak memory)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    result = subprocess.run(
        [sys.executable, "-c", ATLAS.format(code=code, table=table)], env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    pages, seconds, size, peak = result.stdout.split()[-4:]
    what = (
        f"township atlas, {villages} natural villages" if villages else f"village {code} atlas with rosters"
    )
    print(
        f"{what}, {pages} pages: {float(seconds):.1f} s, "
        f"{int(pages) / float(seconds):.1f} pages/s on one process, PDF {int(size) / 1e6:.1f} MB, "
        f"peak memory {int(peak):,} MiB   [target 4 pages/s, < 1536 MiB]"
    )


def _matplotlib_page(engine, code: str) -> float:
    """Draw the same map page with geopandas + matplotlib and save it as PDF; return the seconds."""
    import io
    import logging

    import geopandas
    import matplotlib

    matplotlib.use("Agg")
    # The font has one weight; matplotlib says so on every lookup.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font_manager.fontManager.addfont(FONT_PATH)
    family = font_manager.FontProperties(fname=FONT_PATH).get_name()
    t0 = time.perf_counter()
    me = geopandas.read_postgis(
        text("SELECT id, name, geom FROM natural_village WHERE code = :code"),
        engine,
        geom_col="geom",
        params={"code": code},
    ).to_crs(4545)
    around = geopandas.read_postgis(
        text("""SELECT nv.name, nv.geom FROM natural_village nv, natural_village me
                WHERE me.code = :code AND nv.geom && ST_Expand(me.geom, 0.02) AND nv.id <> me.id"""),
        engine,
        geom_col="geom",
        params={"code": code},
    ).to_crs(4545)
    houses = geopandas.read_postgis(
        text("""SELECT row_number() OVER (ORDER BY code) AS number, poverty_status, dibao, wubao, geom
                FROM household WHERE natural_village_id = :id ORDER BY code"""),
        engine,
        geom_col="geom",
        params={"id": int(me.id.iloc[0])},
    ).to_crs(4545)
    with plt.rc_context({"font.family": family, "pdf.fonttype": 42}):
        figure, ax = plt.subplots(figsize=(8.27, 11.69))
        around.plot(ax=ax, facecolor="#f0f0f0", edgecolor="#969696")
        me.plot(ax=ax, facecolor="#fff7ec", edgecolor="#b2182b", linewidth=1.4)
        colour = houses.poverty_status.isin(["registered", "lifted"]).map(
            {True: COLOURS["registered_poor"], False: "white"}
        )
        houses.plot(ax=ax, color=colour, edgecolor="black", markersize=12)
        for number, point in zip(houses.number, houses.geometry, strict=True):
            ax.annotate(
                str(number), (point.x, point.y), fontsize=4, xytext=(2, 2), textcoords="offset points"
            )
        x0, y0, x1, y1 = me.total_bounds
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(f"{me.name.iloc[0]} 民情地图 People's sentiment map")
        ax.legend(handles=[], title="图例 Legend 建档立卡户 低保户 五保户")
        figure.savefig(io.BytesIO(), format="pdf")
        plt.close(figure)
    return time.perf_counter() - t0
