"""The audit log (#10): household tiles read once per user, village and hour; every refusal."""

import mapbox_vector_tile
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.conftest import cadre_village
from tests.test_tiles import household_tile, tile_of


@pytest.fixture
def forget_tile_reads(app):
    """Return a function that makes this process forget which tile reads it audited this hour.

    The memory is per process, so forgetting it is what a second worker process sees.
    """

    def forget():
        app.extensions.pop("tile_reads", None)

    forget()
    return forget


def events(app, username: str, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.username == username, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )


def villages_in(client, z: int, x: int, y: int) -> set[str]:
    """Read one tile as a map does; return the villages of the household points it carried."""
    response = client.get(f"/tiles/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    points = mapbox_vector_tile.decode(response.data).get("households", {"features": []})["features"]
    return {f["properties"]["code"][:12] for f in points}


@pytest.mark.parametrize("principal", ["gis", "cadre", "leader"])
def test_household_tiles_are_audited_once_per_user_village_and_hour(
    app, client, login, county, forget_tile_reads, principal
):
    login(principal)
    households = county.households
    own = households[households.natural_village_code.str.startswith(cadre_village(county))]
    tiles = sorted({household_tile(county, code, z) for code in own.code[::40] for z in (14, 15, 16)})
    carried = set()
    for tile in tiles * 2:  # a map pans back and forth over the same tiles
        carried |= villages_in(client, *tile)
    forget_tile_reads()  # another worker process serves the same user in the same hour
    for tile in tiles:
        villages_in(client, *tile)

    rows = events(app, f"test-{principal}", "view_tiles")
    assert len(tiles) > len(carried) >= 1
    assert sorted(row.target for row in rows) == sorted(carried)  # one row per village, not per tile
    if principal == "cadre":
        assert carried == {cadre_village(county)}
    assert all(row.detail["tile"].count("/") == 2 and row.ip for row in rows)


def test_tiles_without_household_points_are_not_audited(app, client, login, county, forget_tile_reads):
    login("gis")
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    assert not villages_in(client, *tile_of(centre.x, centre.y, 10))
    assert events(app, "test-gis", "view_tiles") == []


def _foreign_household(county) -> str:
    households = county.households
    return households[~households.natural_village_code.str.startswith(cadre_village(county))].code.iloc[0]


REFUSALS = {
    "api": ("cadre", lambda c: f"/api/natural-villages/{_foreign_household(c)[:14]}/households"),
    "page": ("cadre", lambda c: f"/households/{_foreign_household(c)}"),
    "print": (
        "gis",
        lambda c: f"/print/natural-villages/{_foreign_household(c)[:14]}.pdf?indicators=left_behind_children",
    ),
    "import": ("gis", lambda c: "/import"),
}


@pytest.mark.parametrize("output", REFUSALS)
def test_every_refusal_is_audited_with_who_where_and_why(app, client, login, county, output):
    principal, url_of = REFUSALS[output]
    login(principal)
    url = url_of(county)
    response = client.get(url)
    assert response.status_code == 403

    (row,) = events(app, f"test-{principal}", "forbidden")
    assert row.target == url.split("?")[0] and row.detail["method"] == "GET" and row.ip
    assert row.detail["reason"] and row.detail["reason"] in response.get_data(as_text=True)
