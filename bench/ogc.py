"""GIS staff figures (#6): OGC API - Features paging and bbox latency, beside pygeoapi in the same run.

Runs on the county `bench.foundation.run` loaded. Both services are driven through
their Flask test clients in the same way (no network, same database):
- paging: every household with limit=10,000 (ours follows `next` links, keyset;
  pygeoapi's PostgreSQL provider pages with offset, as its `next` links do);
- bbox: the households of one natural village of 50-80 households, by its bounding box.
pygeoapi comes from requirements-bench.txt; without it, the peer lines say so.
"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.foundation import database_url

# The same non-personal columns the gis role gets from us (names masked there, raw here).
PEER_PROPERTIES = [
    "code",
    "head_name",
    "members",
    "poverty_status",
    "dibao",
    "wubao",
    "family_planning",
    "left_behind_elderly",
    "empty_nest_elderly",
    "disabled_members",
    "dilapidated_house",
    "migrant_workers",
    "income_per_capita",
    "updated_at",
]

PEER = """
import json, os, statistics, sys, time
bbox, repeat, passes, total = json.loads(sys.argv[1])
from pygeoapi.flask_app import APP
client = APP.test_client()
page_times = []
for _ in range(passes):
    t0, seen, offset = time.perf_counter(), 0, 0
    while True:
        r = client.get(f"/collections/households/items?f=json&limit=10000&offset={offset}")
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        n = len(r.json["features"])
        seen += n
        offset += 10000
        if n < 10000:
            break
    page_times.append(time.perf_counter() - t0)
    assert seen == total, (seen, total)
bbox_times, found = [], 0
for _ in range(repeat):
    t0 = time.perf_counter()
    # pygeoapi 0.21 swaps the axes of a CRS84 bbox on its way to EPSG:4490 storage and finds nothing;
    # given as EPSG:4490 in longitude/latitude order (not the CRS's own order) it finds the households.
    r = client.get("/collections/households/items?f=json&limit=1000&bbox=" + ",".join(map(str, bbox))
                   + "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4490")
    bbox_times.append(time.perf_counter() - t0)
    found = len(r.json["features"])
paging = statistics.median(page_times) if page_times else None
box = statistics.median(bbox_times)
print(json.dumps({"paging": paging, "bbox": box, "found": found}))
"""


def _peer_config(url: str, folder: Path) -> dict[str, str]:
    """Write pygeoapi's configuration and OpenAPI document for the bench database; return its environment."""
    db = make_url(url)
    data = {
        "host": db.host,
        "port": db.port,
        "dbname": db.database,
        "user": db.username,
        "password": db.password or "",
    }
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 5001},
            "url": "http://127.0.0.1:5001",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "http://127.0.0.1/{z}/{x}/{y}.png", "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "http://127.0.0.1",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "none", "url": "http://127.0.0.1"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "email": "bench@example.org", "role": "pointOfContact"},
        },
        "resources": {
            "households": {
                "type": "collection",
                "title": "households",
                "description": "households",
                "keywords": ["households"],
                "extents": {
                    "spatial": {
                        "bbox": [103, 24, 110, 30],
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": data,
                        "id_field": "id",
                        "table": "household",
                        "geom_field": "geom",
                        "storage_crs": "http://www.opengis.net/def/crs/EPSG/0/4490",
                        "crs": [
                            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                            "http://www.opengis.net/def/crs/EPSG/0/4490",
                        ],
                        "properties": PEER_PROPERTIES,
                    }
                ],
            }
        },
    }
    config_path, openapi_path = folder / "pygeoapi.json", folder / "openapi.json"
    # pygeoapi reads YAML; JSON is YAML.
    config_path.write_text(json.dumps(config))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pygeoapi")),
            "openapi",
            "generate",
            str(config_path),
            "-f",
            "json",
            "-of",
            str(openapi_path),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def _peer(url: str, bbox: list[float], *, repeat: int, passes: int, total: int) -> dict | None:
    """Run pygeoapi's figures in a fresh interpreter; None when it is not installed."""
    try:
        import pygeoapi  # noqa: F401
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as folder:
        env = _peer_config(url, Path(folder))
        argument = json.dumps([bbox, repeat, passes, total])
        result = subprocess.run(
            [sys.executable, "-c", PEER, argument], env=env, capture_output=True, text=True, check=False
        )
    if result.returncode:
        print(f"  pygeoapi failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(*, households: int, repeat: int) -> None:
    from app import create_app
    from app.auth import create_token, create_user
    from app.extensions import db
    from app.ogc import params
    from app.privacy import Detail, field_rules
    from app.queries import ogc as ogc_queries

    url = database_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        user = create_user(f"bench-ogc-{secrets.token_hex(3)}", secrets.token_urlsafe(12), role="gis")
        token = create_token(user, name="bench")
        db.session.commit()
        total = db.session.execute(text("SELECT count(*) FROM household")).scalar_one()
        village = db.session.execute(
            text("""
                SELECT nv.code, count(*) AS n,
                       ST_XMin(ST_Extent(h.geom)) AS x0, ST_YMin(ST_Extent(h.geom)) AS y0,
                       ST_XMax(ST_Extent(h.geom)) AS x1, ST_YMax(ST_Extent(h.geom)) AS y1
                FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
                GROUP BY nv.code HAVING count(*) BETWEEN 50 AND 80 ORDER BY nv.code LIMIT 1""")
        ).one()
    bbox = [village.x0, village.y0, village.x1, village.y1]
    passes = max(1, min(repeat, 3))  # a full pass of the county; pygeoapi's takes minutes
    print(
        f"# OGC API - Features: {total:,} households; median of {passes} passes / {repeat * 5} bbox queries"
    )

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    page_times, slowest_page = [], 0.0
    for _ in range(passes):
        t0, seen, next_url = time.perf_counter(), 0, "/ogc/collections/households/items?limit=10000"
        while next_url:
            t1 = time.perf_counter()
            body = client.get(next_url, headers=headers).json
            slowest_page = max(slowest_page, time.perf_counter() - t1)
            seen += body["numberReturned"]
            next_url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        page_times.append(time.perf_counter() - t0)
        assert seen == total, (seen, total)
    ours_paging = statistics.median(page_times)

    bbox_times, found = [], 0
    bbox_url = "/ogc/collections/households/items?limit=1000&bbox=" + ",".join(map(str, bbox))
    for _ in range(repeat * 5):
        t0 = time.perf_counter()
        found = client.get(bbox_url, headers=headers).json["numberReturned"]
        bbox_times.append(time.perf_counter() - t0)
    ours_bbox = statistics.median(bbox_times)

    # Database time of the last page alone (keyset: as fast as the first).
    with app.app_context():
        last_key = db.session.execute(
            text("SELECT code FROM household ORDER BY code OFFSET :n LIMIT 1"), {"n": max(total - 10_001, 0)}
        ).scalar_one()
        source = ogc_queries.households(field_rules(Detail.MASKED), villages=None)
        query = params.Query(
            limit=10_000, crs=params.CRSS[params.CRS84], bbox_crs=params.CRSS[params.CRS84], after=last_key
        )
        db_times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = sum(1 for _ in ogc_queries.features(source, query))
            db_times.append(time.perf_counter() - t0)
        first = params.Query(limit=100, crs=query.crs, bbox_crs=query.crs, after=last_key)
        small_times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            sum(1 for _ in ogc_queries.features(source, first))
            small_times.append(time.perf_counter() - t0)
        # The exact count of a listing's first page (its next links carry it on).
        count_times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            matched = ogc_queries.number_matched(
                source, params.Query(limit=100, crs=query.crs, bbox_crs=query.crs)
            )
            count_times.append(time.perf_counter() - t0)
        assert matched == total, (matched, total)

    print(
        f"page through all households, limit=10,000: {ours_paging:.2f} s, "
        f"{total / ours_paging:,.0f} features/s "
        f"(slowest page {slowest_page * 1000:.0f} ms)   [target: QGIS pulls the county < 30 s, 3x pygeoapi]"
    )
    print(
        f"  last page from the database: {statistics.median(db_times) * 1000:.0f} ms for {rows:,} features; "
        f"a 100-feature page near the end {statistics.median(small_times) * 1000:.1f} ms   [target < 50 ms]"
    )
    print(
        f"  exact numberMatched of all households (first page of a listing only): "
        f"{statistics.median(count_times) * 1000:.0f} ms   [#9: exact, not the planner's estimate]"
    )
    print(
        f"bbox of natural village {village.code} ({found} households): median "
        f"{ours_bbox * 1000:.1f} ms   [target < 10 ms]"
    )
    peer = _peer(url, bbox, repeat=repeat * 5, passes=1, total=total)  # one pass: about a minute
    if peer is None:
        print("  pygeoapi: not installed (pip install -r requirements-bench.txt); no peer figure")
        return
    print(
        f"  pygeoapi 0.21 PostgreSQL provider, same data (offset paging, one pass): {peer['paging']:.1f} s, "
        f"{total / peer['paging']:,.0f} features/s (ours {peer['paging'] / ours_paging:.1f}x its rate); "
        f"bbox median {peer['bbox'] * 1000:.1f} ms for {peer['found']} "
        f"(ours {peer['bbox'] / ours_bbox:.1f}x faster)"
    )
