"""Headers on every response (#10): no sniffing, no framing, a nonce CSP, no caching of personal data."""

import math
import re

import pytest

ITEMS = "/ogc/collections/households/items"


@pytest.fixture
def household(county):
    return sorted(county.households.code)[0]


@pytest.fixture
def admin_get(client, login, county, household):
    """Return a function that GETs a path as an admin, with {township} and {household} filled in."""
    login("admin")
    township = sorted(county.admin_units.query("level == 'township'").code)[0]

    def get(path: str):
        response = client.get(path.format(township=township, household=household))
        response.close()
        return response

    return get


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=1",
        "/api/townships/{township}/natural-villages",
        f"{ITEMS}?limit=1",
        "/tiles/0/0/0.mvt",
        "/static/app.css",
        "/no-such-page",
        "/households/{household}",
        "/export/townships.csv",
        "/ogc/api",
    ],
)
def test_every_response_carries_the_security_headers(admin_get, path):
    response = admin_get(path)
    assert response.status_code in (200, 404)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/households/{household}",
        "/search?q={household}",
        "/api/townships/{township}/natural-villages",
        f"{ITEMS}?limit=1",
        f"{ITEMS}/{{household}}",
        "/export/households.csv",
        "/login",
        "/no-such-page",
    ],
)
def test_personal_data_is_never_stored_in_a_cache(admin_get, path):
    assert admin_get(path).headers["Cache-Control"] == "no-store"


def tile_of(lon: float, lat: float, z: int) -> str:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/{z}/{x}/{y}.mvt"


def test_household_tiles_are_never_stored_and_aggregate_ones_briefly(client, login, county):
    login("admin")
    point = county.households.geometry.iloc[0]
    with client.get(tile_of(point.x, point.y, 15)) as response:
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    with client.get(tile_of(point.x, point.y, 8)) as response:
        assert response.headers["Cache-Control"] == "private, max-age=300"


def test_static_files_may_be_cached(client):
    with client.get("/static/app.css") as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_inline_scripts_carry_the_responses_nonce_and_no_others_run(client, login):
    login("leader")
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    page = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", page)
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert not re.search(r"\son[a-z]+=", page), "an inline event handler would be blocked"
    again = client.get("/").headers["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" not in again  # a new one per response


def test_a_basemap_on_the_county_network_may_be_drawn(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "BASEMAP_URL", "http://10.0.0.5:8080/{z}/{x}/{y}.png")
    login("leader")
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: http://10.0.0.5:8080" in policy
