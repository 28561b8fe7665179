"""No request is answered with a 5xx (#10): the reporter's cases, then every route fuzzed.

The fuzz is bounded for `make test` (FUZZ_EXAMPLES requests, about a minute on two cores);
`bench/fuzz.py` sends more. Every 5xx is collected rather than shrunk, so one run reports them all.
"""

import base64
import json
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.accounts import create_token, find_user
from tests.fuzzing import requests as fuzzed_requests
from tests.fuzzing import rules_of

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
COLLECTIONS = ("townships", "villages", "natural_villages", "households")


ITEMS = "/ogc/collections/households/items"


def cursor(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "named", "expected"),
    [
        (f"{ITEMS}?cursor={cursor({'k': '5226', 'n': float('inf')})}", "cursor", "a cursor from a next link"),
        (f"{ITEMS}?cursor={cursor({'k': '5226', 'n': 10**30})}", "cursor", "a cursor from a next link"),
        (f"{ITEMS}?cursor={cursor({'k': 5226})}", "cursor", "a cursor from a next link"),
        (f"{ITEMS}?datetime=2024-01-01T00:00:00%2B23:00", "datetime", "offset within ±15:59"),
        (f"{ITEMS}?updated_at=2024-01-01T00:00:00-16:00", "updated_at", "a date-time value"),
        (f"{ITEMS}?filter=updated_at>TIMESTAMP('2024-01-01T00:00:00%2B20:00')", "filter", "RFC 3339"),
        (f"{ITEMS}?crs=EPSG:%D9%A4%D9%A5%D9%A4%D9%A5", "crs", "one of"),  # Arabic-Indic digits
        (f"{ITEMS}?crs=EPSG:%EF%BC%94%EF%BC%94%EF%BC%99%EF%BC%90", "crs", "one of"),  # full-width digits
        (f"{ITEMS}?filter=members>%D9%A3", "filter", "cannot read"),
        ("/export/households.csv?crs=EPSG:%D9%A4%D9%A5%D9%A4%D9%A5", "crs", "EPSG:4490"),
        ("/ogc/conformance?f=junk", "f", "json"),
        ("/ogc/api?f=junk", "f", "json"),
        ("/ogc/collections/households/queryables?f=html", "f", "json"),
    ],
)
def test_the_reported_500s_and_laxities_are_400s_naming_the_parameter(client, login, path, named, expected):
    login("admin")
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 400
    message = response.json.get("description") or response.json["message"]
    assert f"parameter {named}=" in message and expected in message


@pytest.mark.parametrize(
    ("bbox", "crs", "found"),
    [
        ("1e11,1e11,1e12,1e12", "EPSG:4545", 0),  # wholly beyond the projection's domain: nothing there
        ("-1e308,-1e308,1e308,1e308", "EPSG:4545", 3000),  # northing first: the whole county
        ("-1e308,-1e308,1e308,1e308", "EPSG:3857", 3000),
    ],
)
def test_a_bbox_beyond_the_projections_domain_is_clamped_to_it(client, login, bbox, crs, found):
    login("admin")
    response = client.get(ITEMS, query_string={"bbox": bbox, "bbox-crs": crs, "limit": 1})
    assert response.status_code == 200 and response.json["numberMatched"] == found


def test_an_empty_cursor_is_the_first_page(client, login):
    login("admin")
    first = client.get(ITEMS, query_string={"limit": 2}).json
    assert client.get(ITEMS, query_string={"limit": 2, "cursor": ""}).json["features"] == first["features"]


def real_values(county) -> dict[str, tuple[str, ...]]:
    """Return values that exist for each path variable, so fuzzed requests also get past the 404s."""
    units = tuple(county.admin_units.sort_values("code").code[:20])
    natural = tuple(county.natural_villages.sort_values("code").code[:10])
    households = tuple(county.households.sort_values("code").code[:10])
    return {
        "code": units + natural + households + ("zh", "en"),
        "collection_id": COLLECTIONS,
        "feature_id": natural + households + units,
        "layer": (*COLLECTIONS, "vec", "img"),
        "fmt": ("csv", "geojson", "gpkg", "kml", "xlsx", "zip"),
        "filename": ("app.css", "js/minqing-map.js"),
        "z": ("0", "14", "30"),
        "x": ("0", "1"),
        "y": ("0", "1"),
        "job_id": ("1", "2"),
    }


def tokens(app, accounts) -> dict[str, dict]:
    """Return headers acting as each role (an API token), and none for an anonymous visitor."""
    with app.app_context():
        made = {
            role: create_token(find_user(accounts[role][0]), name="fuzz")
            for role in ("admin", "cadre", "gis")
        }
        from app.extensions import db

        db.session.commit()
    return {"anonymous": {}} | {role: {"X-API-Token": token} for role, token in made.items()}


def test_no_fuzzed_request_is_answered_with_a_5xx(app, accounts, county):
    # Atlases and PDF maps of real areas take seconds each: they get hostile codes only (test_printing
    # covers real ones).
    rules = rules_of(app)
    real = real_values(county)
    principals = tokens(app, accounts)
    client = app.test_client()
    failures = []

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        phases=(Phase.generate,),
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=fuzzed_requests(rules, real), role=st.sampled_from(sorted(principals)))
    def send(request, role):
        request.headers.update(principals[role])
        try:
            status = request.send(client).status_code
        except Exception as error:  # the test app propagates what would be a 500
            status = repr(error)[:300]
        # The basemap says 503 without a Tianditu key (as here) and 502 when Tianditu does not answer.
        if not isinstance(status, int) or (status >= 500 and not request.path.startswith("/basemap/")):
            failures.append((status, role, request))

    send()
    assert failures == [], "\n".join(map(str, failures[:20]))
