"""Malformed requests for every route, sent by hypothesis (tests/test_fuzz.py, bench/hardening.py).

A request is a route of the app's URL map with each path variable drawn from real
codes or hostile text, query parameters that route reads (and some it does not)
with values an attacker or a confused client sends, an Accept, an Accept-Language,
sometimes an odd Host, and a method (mostly GET).
"""

import base64
import json
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

# Values that break any parameter: controls, non-numbers, numbers beyond every column, odd digits, length.
HOSTILE = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t",
    "inf",
    "-Infinity",
    "nan",
    "1e999",
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999",
    "１２３",
    "٣",
    "²",
    "html",
    "json",
    "junk",
    "true",
    "'",
    "%",
    "%00",
    "\\",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "户" * 300,
    "a" * 2001,
)
INSTANTS = (
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00+23:59",
    "2024-01-01T00:00:00-16:00",
    "2024-01-01T00:00:00+15:59",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2024-02-30T00:00:00Z",
)
CRSS = (
    "EPSG:4545",
    "EPSG:٤٥٤٥",
    "EPSG:４４９０",
    "EPSG:4490",
    "EPSG:3857",
    "EPSG:4534",
    "EPSG:9999",
    "[EPSG:4326]",
    "http://www.opengis.net/def/crs/EPSG/0/4545",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "CRS84",
)


def _cursor(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# Values each parameter is sent most often: the reporter's 500s and their neighbours.
VALUES = {
    "datetime": (
        *INSTANTS,
        "..",
        "../..",
        "2024-01-01T00:00:00Z/..",
        "2025-01-01T00:00:00Z/2024-01-01T00:00:00Z",
    ),
    "updated_at": INSTANTS,
    "bbox": (
        "-1e308,-1e308,1e308,1e308",
        "0,0,1e12,1e12",
        "1e11,1e11,1e12,1e12",
        "-180,-90,180,90",
        "106,26,107,27",
        "26,106,27,107",
        "2900000,400000,3000000,500000",
        "1,2,3",
        "1,2,3,4,5,6",
        "2,2,1,1",
    ),
    "bbox-crs": CRSS,
    "crs": CRSS,
    "filter-crs": CRSS,
    "cursor": (
        *(
            _cursor(data)
            for data in (
                {"k": "5226", "n": float("inf")},
                {"k": "5226", "n": -1},
                {"k": "5226", "n": 10**30},
                {"k": "\x00", "n": 1},
                {"k": "a" * 5000},
                {"n": 1},
                [],
                None,
                "x",
                {"k": {"nested": 1}, "n": "1"},
            )
        ),
        "",
        "=",
        "not base64!",
        "AAAA",
    ),
    "filter": (
        "code = 'a'",
        "members > 1e999",
        "members > 1e308",
        "members > 99999999999999999999",
        "members = -9223372036854775809",
        "updated_at > TIMESTAMP('2024-01-01T00:00:00+20:00')",
        "updated_at > TIMESTAMP('0001-01-01T00:00:00+01:00')",
        "updated_at > TIMESTAMP('2024-02-30T00:00:00Z')",
        "dibao = true AND members > 3",
        "((((((((((",
        "(" * 500 + "dibao = true" + ")" * 500,
        "NOT NOT NOT dibao = true",
        "code IS NULL",
        '"code" = 5',
        "members > ٣",
        "households > 5 OR name = '寨'",
    ),
    "members": ("3", "99999999999999999999", "1e999", "-0", "3.5"),
    "limit": ("1", "10000", "10001", "99999999999999999999", "1.0"),
    "f": ("json", "html", "junk", "JSON", "geojson"),
    "properties": ("code,name", "code,,", ",", "nope", "members,code"),
    "indicator": ("registered_poor", "dibao", "nope"),
    "classes": ("quantiles", "jenks", "natural_breaks", "7"),
    "lang": ("zh", "en", "fr"),
    "next": ("/", "//evil.example", "https://evil.example/", "/households/1"),
    # Open311 (#12)
    "start_date": ("2026-12-01T00:00:00+08:00", "2026-12-01", "2026-12-01T00:00:00Z", "9999-99-99", "-1"),
    "end_date": ("2026-12-07T00:00:00+08:00", "0001-01-01T00:00:00+14:00", "2026-13-01"),
    "service_request_id": ("1", "1,2,3", ",", "1," * 1200, "99999999999999999999"),
    "service_code": ("water", "roads", "nope", ""),
    "status": ("open", "closed", "pending"),
}
PARAMETERS = (
    *VALUES,
    "filter-lang",
    "q",
    "code",
    "dibao",
    "head_name",
    "layer",
    "format",
    "paper",
    "dpi",
)

# Fields the app's forms read (sent with POST, PUT and PATCH; tests/test_fuzz.py turns CSRF off).
FORM_FIELDS = ("username", "password", "layer", "format", "crs", "mapping", "valid_only", "level", "paper")
FORM_FIELDS += ("indicator", "dpi", "title", "gcj02", "swap_fix")
FORM_FIELDS += ("service_code", "lat", "long", "address_id", "description", "api_key", "attribute[urgency]")
CREDENTIALS = ("a\x00b", "\x1b", "用户", "", "x" * 300, "test-gis", "admin")
ACCEPTS = ("text/html", "application/json", "*/*", "application/geo+json", "image/png", "", "text/html;q=x")
LANGUAGES = ("zh-CN", "en", "ug", "", "*", "x" * 300)
HOSTS = (
    "localhost",
    "localhost:5000",
    "a" * 64 + ".example.org",
    "例子.中国",
    "[::1]",
    "a..b",
    "host:99999x",
)
METHODS = ("HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH")

# Free text without lone surrogates (a client cannot send them as UTF-8).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict
    form: tuple[tuple[str, str], ...] = ()

    def send(self, client):
        """Send this request with a Flask test client; return the response (closed)."""
        data = MultiDict(self.form) if self.form else None
        response = client.open(
            self.path, method=self.method, query_string=list(self.query), headers=self.headers, data=data
        )
        response.close()
        return response


def often(draw, likely, rarely, *, tenths: int = 8):
    """Draw from `likely` `tenths` times in ten, else from `rarely`."""
    return draw(likely if draw(st.integers(0, 9)) < tenths else rarely)


def segment(draw, real: tuple[str, ...]) -> str:
    """Draw a path variable: mostly a real value (to get past the 404s), else hostile or free text."""
    hostile = st.sampled_from(HOSTILE[1:]) | TEXT.filter(bool) | st.integers(-(2**70), 2**70).map(str)
    return often(draw, st.sampled_from(real), hostile, tenths=7) if real else draw(hostile)


def requests(rules: list[tuple[str, tuple[str, ...]]], real: dict[str, tuple[str, ...]]):
    """Return a strategy for requests to `rules` (path templates with their variables).

    `real` maps a variable name (code, collection_id …) to values that exist, so requests also
    reach the code behind a 404. Most requests are GETs with known parameter names, so they get
    past the first check to the parsing and the SQL behind it.
    """

    @st.composite
    def build(draw):
        template, variables = draw(st.sampled_from(rules))
        path = template
        for name in variables:
            path = path.replace(f"<{name}>", quote(segment(draw, real.get(name, ())), safe=""), 1)
        query = []
        for _ in range(draw(st.integers(0, 3))):
            name = often(draw, st.sampled_from(PARAMETERS), TEXT.filter(bool), tenths=9)
            hostile = st.sampled_from(HOSTILE) | TEXT
            query.append(
                (
                    name,
                    often(draw, st.sampled_from(VALUES[name]), hostile, tenths=6)
                    if name in VALUES
                    else draw(hostile),
                )
            )
        headers = {
            "Accept": draw(st.sampled_from(ACCEPTS)),
            "Accept-Language": draw(st.sampled_from(LANGUAGES)),
        }
        if draw(st.integers(0, 19)) == 0:
            headers["Host"] = draw(st.sampled_from(HOSTS))
        if draw(st.integers(0, 3)) == 0:  # HTTP Basic (used when no token is sent) with hostile credentials
            pair = f"{draw(st.sampled_from(CREDENTIALS) | TEXT)}:{draw(st.sampled_from(CREDENTIALS) | TEXT)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        method = often(draw, st.just("GET"), st.sampled_from(METHODS))
        form = []
        if method in ("POST", "PUT", "PATCH"):
            for _ in range(draw(st.integers(0, 4))):
                name = often(draw, st.sampled_from(FORM_FIELDS), TEXT.filter(bool), tenths=9)
                form.append((name, draw(st.sampled_from(HOSTILE + CREDENTIALS) | TEXT)))
        return Request(method, path, tuple(query), headers, tuple(form))

    return build()


# Routes that parse the most, sent more often.
WEIGHTS = {
    "ogc.items": 10,
    "ogc.item": 3,
    "api.natural_village_households": 3,
    "api.township_natural_villages": 3,
}
WEIGHTS |= {"pages.search": 3, "pages.area": 2, "exports.export": 2, "tiles.tile": 2}
WEIGHTS |= {"open311.requests": 3, "open311.create_request": 3, "open311.one_request": 2}
WEIGHTS |= {"auth.login": 3, "exports.background": 2, "printing.township_atlas": 2, "imports.upload": 2}


def rules_of(app) -> list[tuple[str, tuple[str, ...]]]:
    """Return (path template with plain <name> placeholders, variable names) for each route of `app`.

    A route is listed WEIGHTS[endpoint] times (once by default).
    """
    found = []
    for rule in app.url_map.iter_rules():
        template = rule.rule
        for name in rule.arguments:
            template = _plain(template, name)
        found += [(template, tuple(sorted(rule.arguments)))] * WEIGHTS.get(rule.endpoint, 1)
    return found


def _plain(template: str, name: str) -> str:
    """Return `template` with `<converter:name>` written as `<name>`."""
    start = template.index(f"{name}>")
    opening = template.rindex("<", 0, start)
    return template[:opening] + f"<{name}>" + template[start + len(name) + 1 :]


COLLECTIONS = ("townships", "villages", "natural_villages", "households")


def real_values(county) -> dict[str, tuple[str, ...]]:
    """Return values that exist for each path variable of a generated `county`."""
    units = tuple(county.admin_units.sort_values("code").code[:20])
    natural = tuple(county.natural_villages.sort_values("code").code[:10])
    households = tuple(county.households.sort_values("code").code[:10])
    return {
        "code": units + natural + households + ("zh", "en", "water"),
        "collection_id": COLLECTIONS,
        "feature_id": natural + households + units,
        "layer": (*COLLECTIONS, "vec", "img"),
        "fmt": ("csv", "geojson", "gpkg", "kml", "xlsx", "zip", "json", "xml"),
        "demand_id": ("1", "2", "0"),
        "filename": ("app.css", "js/minqing-map.js"),
        "z": ("0", "14", "30"),
        "x": ("0", "1"),
        "y": ("0", "1"),
        "job_id": ("1", "2"),
    }


def fuzz(
    app, real: dict, principals: dict[str, dict], *, examples: int, seeded: bool = False
) -> tuple[Counter, list]:
    """Send `examples` requests to every route of `app`, each as one of `principals` (name → headers).

    Return the count of each status and the failures: (status or exception, principal, request) of
    every 5xx, of every exception a test app propagates where production would answer 500, and of
    every 405 without Allow.
    `seeded` sends the same requests every run (the test suite: a failure there is a change, not
    luck); unseeded, every run explores new ones (`python -m bench.hardening`).
    Nothing is shrunk, so one run reports every failure. The basemap's 503 (no Tianditu key) and
    502 (Tianditu does not answer) are its documented answers, not failures.
    """
    client = app.test_client()
    statuses, failures = Counter(), []

    @settings(
        max_examples=examples,
        derandomize=seeded,
        deadline=None,
        phases=(Phase.generate,),
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests(rules_of(app), real), principal=st.sampled_from(sorted(principals)))
    def send(request, principal):
        request.headers.update(principals[principal])
        try:
            response = request.send(client)
        except Exception as error:
            statuses[500] += 1
            failures.append((repr(error)[:300], principal, request))
            return
        status = response.status_code
        statuses[status] += 1
        if status >= 500 and not request.path.startswith("/basemap/"):
            failures.append((status, principal, request))
        if status == 405 and not response.headers.get("Allow"):  # RFC 9110 requires it
            failures.append(("405 without Allow", principal, request))

    send()
    return statuses, failures
