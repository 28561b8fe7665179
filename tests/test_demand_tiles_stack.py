"""Demand tiles behind real nginx (#12): shared only within one demand scope, new events are new tiles."""

import time

from sqlalchemy import text

from app.extensions import db
from app.queries import demands as queries
from tests.test_demand_tiles_browser import placed  # noqa: F401  (three committed demands)
from tests.test_stack import MVT, cookies, get, served  # noqa: F401
from tests.test_stack import pytestmark as stack_marks
from tests.test_tiles import household_tile, tile_of

pytestmark = stack_marks


def test_demand_count_tiles_are_shared_within_one_scope_and_renewed_by_a_new_event(
    served,  # noqa: F811
    cookies,  # noqa: F811
    county,
    app,
    placed,  # noqa: F811
):
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    z, x, y = tile_of(centre.x, centre.y, 9)
    url = f"{served.url}/demands/tiles/{z}/{x}/{y}.mvt?state=open"

    def tile(role: str):
        status, headers, body = get(url, cookies[role])
        assert status == 200 and headers["content-type"] == MVT, (status, headers)
        assert "x-tile-key" not in headers and "set-cookie" not in headers
        return headers["x-cache-status"], body

    first, leader_tile = tile("leader")
    assert first in ("MISS", "EXPIRED")
    assert tile("leader") == ("HIT", leader_tile)
    assert tile("admin") == ("HIT", leader_tile)  # both read every village's demands
    assert tile("gis")[0] == "MISS" and tile("gis")[0] == "HIT"  # counts withheld: its own entry
    assert tile("cadre")[0] == "MISS"
    with app.app_context():
        demand = db.session.execute(text("SELECT max(id) FROM demand")).scalar_one()
        user = db.session.execute(text("SELECT id, username FROM app_user ORDER BY id LIMIT 1")).one()
        queries.append_event(demand, "accept", "accepted", user=user, note="")
        db.session.commit()
    # nginx remembers a session's key for a second (X-Accel-Expires), counted in whole seconds: up to two.
    time.sleep(2.5)
    assert tile("leader")[0] == "MISS"


def test_demand_points_are_never_kept_by_nginx(served, cookies, county, placed):  # noqa: F811
    _, household = placed
    z, x, y = household_tile(county, household.code)
    url = f"{served.url}/demands/tiles/{z}/{x}/{y}.mvt"
    statuses = [get(url, cookies["leader"])[1]["x-cache-status"] for _ in range(2)]
    assert statuses == ["MISS", "MISS"]
