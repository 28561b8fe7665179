"""No request is answered with a 5xx (#10): the reporter's cases, then every route fuzzed.

The fuzz is bounded for `make test` (FUZZ_EXAMPLES requests, about a minute on two cores) and seeded,
so CI sends the same requests every run; `python -m bench.hardening` sends 10,000 new ones each run
(a CI run once failed on a path of '²', which str.isdigit calls a digit and int refuses).
Every 5xx is collected rather than shrunk: one run reports all.
"""

import base64
import json
import os

from app.accounts import create_token, find_user
from app.extensions import db
from tests.fuzzing import fuzz, real_values

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
ITEMS = "/ogc/collections/households/items"


def cursor(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_crs_in_foreign_digits_is_refused_by_the_export_too(client, login):
    """The OGC parameters' reported cases are in tests/test_ogc_input.py; the export reads crs too."""
    login("admin")
    response = client.get(
        "/export/households.csv?crs=EPSG:%D9%A4%D9%A5%D9%A4%D9%A5", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    message = response.json.get("description") or response.json["message"]
    assert "crs=" in message and "EPSG:4490" in message


def tokens(app, accounts) -> dict[str, dict]:
    """Return headers acting as each role (an API token), and none for an anonymous visitor."""
    with app.app_context():
        made = {
            role: create_token(find_user(accounts[role][0]), name="fuzz")
            for role in ("admin", "cadre", "gis")
        }
        db.session.commit()
    return {"anonymous": {}} | {role: {"X-API-Token": token} for role, token in made.items()}


def test_no_fuzzed_request_is_answered_with_a_5xx(app, accounts, county, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # so fuzzed forms reach the views
    principals = tokens(app, accounts)
    statuses, failures = fuzz(app, real_values(county), principals, examples=FUZZ_EXAMPLES, seeded=True)
    assert sum(statuses.values()) > FUZZ_EXAMPLES // 2  # hypothesis may skip a few duplicates
    assert failures == [], "\n".join(map(str, failures[:20]))
