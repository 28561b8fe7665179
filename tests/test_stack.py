"""The production path (#15): real nginx (deploy/nginx) in front of real gunicorn (deploy/gunicorn.conf.py).

What a reader notices: pages arrive compressed, Leaflet comes from nginx and stays in the browser,
slow clients do not hold up anyone else, big uploads arrive whole, idle connections are reused
without resets, and tiles are shared through nginx's cache only between principals of one scope.
The timed targets (100 ms, 3,000 tiles/s, p95 300 ms) are measured by bench/load.py, not here.
"""

import csv
import gzip
import io
import math
import re
import secrets
import time

import pytest
from sqlalchemy import select, text

from app.auth import authenticate, create_token
from app.extensions import db
from app.models import AuditEvent
from app.queries import stats
from bench import stack
from tests.test_imports import rows_of

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(stack.nginx_binary() is None, reason="nginx is not installed (make deps installs it)"),
]

MVT = "application/vnd.mapbox-vector-tile"
SLOW_CLIENTS = 50
# Slow clients hold on far longer than a normal request is given to be answered.
SLOW_SECONDS = 30.0
ANSWER_SECONDS = 5.0


@pytest.fixture(scope="module")
def served(app, database_url, tmp_path_factory):
    """nginx and gunicorn on free loopback ports, serving the committed test county."""
    folder = tmp_path_factory.mktemp("stack")
    access_log = ("--access-logfile", str(folder / "gunicorn-access.log"))
    with stack.running(database_url, folder, gunicorn_args=access_log) as running:
        yield running


@pytest.fixture(scope="module")
def cookies(served, accounts):
    """Return role -> the session Cookie header of that role, logged in through nginx."""
    return {role: stack.log_in(served.url, *accounts[role]) for role in ("admin", "leader", "gis", "cadre")}


def get(url: str, cookie: str | None = None, **headers: str):
    if cookie:
        headers["Cookie"] = cookie
    return stack.request(url, headers=headers)


def tile_path(county, z: int = 12) -> str:
    """Return the tile at zoom `z` holding the county's first household (points from zoom 14)."""
    point = county.households.geometry.iloc[0]
    n = 2**z
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * n)
    return f"/tiles/{z}/{x}/{y}.mvt"


def test_the_overview_arrives_compressed_to_under_a_quarter(served, cookies):
    status, plain_headers, plain = get(served.url + "/", cookies["leader"], **{"Accept-Encoding": "identity"})
    assert status == 200 and "content-encoding" not in plain_headers
    status, headers, zipped = get(served.url + "/", cookies["leader"], **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    html = gzip.decompress(zipped)
    assert html.rstrip().endswith(b"</html>") and abs(len(html) - len(plain)) < 0.01 * len(plain)
    # The page is small now (its outlines come apart, #13/#15): a third; the outlines a quarter.
    assert len(plain) / len(zipped) >= 3, (len(plain), len(zipped))
    status, headers, brotli = get(served.url + "/", cookies["leader"], **{"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["content-encoding"] == "br"
    assert len(brotli) < len(zipped)
    outlines = served.url + re.search(rb'"shapes": "([^"]+)"', plain).group(1).decode()
    _, _, whole = get(outlines, cookies["leader"], **{"Accept-Encoding": "identity"})
    status, headers, zipped = get(outlines, cookies["leader"], **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert len(whole) / len(zipped) >= 4, (len(whole), len(zipped))


def test_json_for_programs_arrives_compressed(served, accounts):
    import base64

    basic = "Basic " + base64.b64encode(":".join(accounts["gis"]).encode()).decode()
    url = served.url + "/ogc/collections/households/items?limit=500"
    status, headers, body = get(url, Authorization=basic, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-type"].startswith("application/geo+json")
    assert headers["content-encoding"] == "gzip"
    assert b'"FeatureCollection"' in gzip.decompress(body)


def test_leaflet_comes_from_nginx_with_a_year_of_browser_caching(served, cookies):
    _, _, page = get(served.url + "/", cookies["leader"])
    leaflet = re.search(rb'"(/static/vendor/leaflet/leaflet\.js\?v=[0-9a-f]+)"', page)
    assert leaflet, "the page names no versioned leaflet.js"
    status, headers, body = get(served.url + leaflet.group(1).decode(), **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-type"] == "application/javascript"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (stack.ROOT / "app/static/vendor/leaflet/leaflet.js").read_bytes()
    # Images that CSS files name carry no version: an hour, so a release reaches browsers the same day.
    status, headers, _ = get(served.url + "/static/vendor/leaflet/images/layers.png")
    assert status == 200 and headers["cache-control"] == "public, max-age=3600"
    # None of it reached gunicorn, whose access log shows the pages it did serve.
    log = (served.folder / "gunicorn-access.log").read_text()
    assert '"GET / HTTP' in log and "/static/" not in log


def test_slow_clients_do_not_hold_up_a_normal_request(served):
    """Slow clients hold gunicorn's threads when they reach it; through nginx nobody waits for them."""
    with stack.slow_clients(served.port, SLOW_CLIENTS, seconds=SLOW_SECONDS):
        # Answered while every slow client still holds its connection, each time.
        for _ in range(3):
            assert stack.request(served.url + "/login", timeout=ANSWER_SECONDS)[0] == 200
    # The same clients straight at gunicorn: proof that they are slow enough to matter.
    with stack.slow_clients(served.app_port, SLOW_CLIENTS, seconds=SLOW_SECONDS), pytest.raises(TimeoutError):
        stack.request(served.app_url + "/login", timeout=ANSWER_SECONDS)


def test_an_idle_connection_is_reused_without_a_reset(served):
    """Browsers reuse a connection after seconds of quiet: gunicorn's default 2 s keep-alive reset them."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        for pause in (0, 3):
            time.sleep(pause)
            connection.request("GET", "/login")
            response = connection.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close
    finally:
        connection.close()


def test_an_upload_of_several_megabytes_reaches_the_app_whole(served, cookies, county):
    _, headers, form = get(served.url + "/import", cookies["admin"])
    # The form's CSRF token lives in the session the form page (re)sets.
    cookie = headers["set-cookie"].split(";", 1)[0] if "set-cookie" in headers else cookies["admin"]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', form).group(1).decode()
    rows = rows_of(county, n=3000)
    text_out = io.StringIO()
    writer = csv.writer(text_out)
    writer.writerow([*rows[0], "备注"])
    for row in rows:
        writer.writerow([*row.values(), "走访记录" * 200])  # a long remarks column the import ignores
    upload = text_out.getvalue().encode()
    assert len(upload) > 5 * 1024**2
    boundary = secrets.token_hex(16)
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="households.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode(),
            upload,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    status, _, page = stack.request(
        served.url + "/import",
        method="POST",
        headers={"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        body=body,
        timeout=120,
    )
    assert status == 200, re.sub(rb"<[^>]+>", b"", page)[-1500:].decode()
    saved = [p for p in (served.folder / "uploads").glob("*/upload.csv") if p.stat().st_size == len(upload)]
    assert saved and saved[0].read_bytes() == upload


def test_tiles_are_shared_through_nginx_only_within_one_scope(served, cookies, county, app, accounts):
    url = served.url + tile_path(county)

    def tile(cookie=None, **headers):
        status, headers, body = get(url, cookie, **headers)
        assert status == 200 and headers["content-type"] == MVT, (status, headers)
        assert "x-tile-key" not in headers and "set-cookie" not in headers
        return headers["x-cache-status"], body

    first, leader_tile = tile(cookies["leader"])
    assert first in ("MISS", "EXPIRED")
    assert tile(cookies["leader"]) == ("HIT", leader_tile)
    # Compressed on the way out, from the same cached entry.
    status, headers, zipped = get(url, cookies["leader"], **{"Accept-Encoding": "gzip"})
    assert headers["x-cache-status"] == "HIT" and headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped) == leader_tile and len(zipped) < len(leader_tile)
    # An admin's scope puts the same households and flags in a tile as a leader's.
    assert tile(cookies["admin"]) == ("HIT", leader_tile)
    # A GIS user may not see sensitive flags: their own entry, never the leader's.
    status, gis_tile = tile(cookies["gis"])
    assert status == "MISS"
    assert tile(cookies["gis"]) == ("HIT", gis_tile)
    # QGIS authenticates with a token: the same scope, the same cached tile.
    with app.app_context():
        token = create_token(authenticate(*accounts["gis"]), name="stack test")
        db.session.commit()
    assert tile(Authorization=f"Bearer {token}") == ("HIT", gis_tile)
    assert tile(cookies["cadre"])[0] == "MISS"
    # Nobody logged in: the app's own 401, nothing cached.
    status, headers, _ = get(url)
    assert status == 401 and "x-cache-status" not in headers
    # No cache file holds a session cookie, only digests.
    cached = b"".join(p.read_bytes() for p in (served.folder / "cache").rglob("*") if p.is_file())
    for cookie in cookies.values():
        assert cookie.split("=", 1)[1].encode() not in cached
    assert token.encode() not in cached


def test_tiles_with_households_are_never_kept_by_nginx(served, cookies, county):
    """Household points are personal data: every read reaches the app, none is kept on nginx's disk."""
    url = served.url + tile_path(county, z=14)
    statuses = []
    for _ in range(2):
        status, headers, body = get(url, cookies["leader"])
        assert status == 200 and headers["content-type"] == MVT
        statuses.append(headers["x-cache-status"])
    assert statuses == ["MISS", "MISS"]
    cached = b"".join(p.read_bytes() for p in (served.folder / "cache" / "tiles").rglob("*") if p.is_file())
    assert body not in cached


def test_new_statistics_are_new_tiles(served, cookies, county, app):
    url = served.url + tile_path(county)
    get(url, cookies["leader"])
    assert get(url, cookies["leader"])[1]["x-cache-status"] == "HIT"
    with app.app_context():
        stats.refresh()
        db.session.commit()
    # The app rereads the version every TILE_VERSION_SECONDS, nginx its answer after X-Accel-Expires.
    time.sleep(2.5)
    assert get(url, cookies["leader"])[1]["x-cache-status"] == "MISS"


def test_the_app_believes_one_proxy_hop_and_no_more(served, cookies, county, app):
    status, _, body = get(served.url + "/tiles.json", cookies["gis"], **{"X-Forwarded-Host": "evil.example"})
    assert status == 200
    assert f'"http://127.0.0.1:{served.port}/tiles/{{z}}/{{x}}/{{y}}.mvt"'.encode() in body
    code = county.households.code.iloc[0]
    forged = {"X-Forwarded-For": "6.6.6.6"}
    status, _, _ = get(served.url + f"/households/{code}", cookies["leader"], **forged)
    assert status == 200
    with app.app_context():
        ip = db.session.scalar(
            select(AuditEvent.ip).where(AuditEvent.action == "view_household").order_by(AuditEvent.id.desc())
        )
        db.session.execute(text("DELETE FROM audit_event WHERE action = 'view_household'"))
        db.session.commit()
    assert ip == "127.0.0.1"


def test_the_nginx_site_differs_between_docker_and_a_host_only_in_the_upstream(tmp_path):
    def site(**values: str) -> list[str]:
        import os
        import subprocess

        script = stack.DEPLOY / "nginx" / "render.sh"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")} | values
        return subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, check=True).stdout

    host, docker = site().splitlines(), site(MINQING_UPSTREAM="app:8000").splitlines()
    assert [(a, b) for a, b in zip(host, docker, strict=True) if a != b] == [
        ("    server 127.0.0.1:8000;", "    server app:8000;")
    ]
    assert "${" not in "".join(host) and "alias /srv/minqing/app/static/;" in "".join(host)
