"""Tiles, OGC layers, prints and versions "as of date D" (#13 item 2), as a user asking gets them."""

import mapbox_vector_tile
import pytest

from tests.conftest import TEST_SEED, cadre_village
from tests.test_history import AS_OF, statuses_on, township
from tests.test_tiles import household_tile, props, tile_of


@pytest.fixture(scope="module")
def history(county):
    """The county's five years of versions as the generator made them (what the database holds)."""
    from geodata.history import generate_history

    return generate_history(county, seed=TEST_SEED)


def past_tile(client, z: int, x: int, y: int, day=AS_OF) -> dict:
    response = client.get(f"/tiles/{z}/{x}/{y}.mvt?as_of={day}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return mapbox_vector_tile.decode(response.data)


def lifted_since(county, history) -> str:
    """Return a household registered poor on AS_OF and lifted out today."""
    then, now = statuses_on(history, AS_OF), county.households.set_index("code").poverty_status
    return sorted(then.index[(then == "registered") & (now.reindex(then.index) == "lifted")])[0]


# --- vector tiles ---------------------------------------------------------------------------------


def test_a_household_tile_as_of_a_past_day_carries_the_flags_it_had(client, login, county, history):
    login("leader")
    code = lifted_since(county, history)
    address = household_tile(county, code)
    today = props(
        mapbox_vector_tile.decode(client.get("/tiles/{}/{}/{}.mvt".format(*address)).data)["households"]
    )
    past = props(past_tile(client, *address)["households"])
    assert today[code]["lifted"] is True and today[code]["registered_poor"] is True
    assert past[code]["lifted"] is False and past[code]["registered_poor"] is True
    assert "head_name" not in past[code] and "id_number" not in past[code]
    # Before the files began there was no household to draw.
    assert "households" not in past_tile(client, *address, day="2020-12-31")


def test_the_natural_village_counts_of_a_past_tile_are_those_of_that_day(client, login, county, history):
    login("leader")
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    address = tile_of(centre.x, centre.y, 9)
    then = statuses_on(history, AS_OF)
    by_village = county.households.set_index("code").natural_village_code
    lifted = (then == "lifted").groupby(by_village.reindex(then.index)).sum()
    past = props(past_tile(client, *address)["natural_villages"])
    assert {c: p["lifted"] for c, p in past.items() if c in lifted.index} == lifted.astype(int).to_dict()
    townships = props(past_tile(client, *address)["townships"])
    assert sum(p["lifted"] for p in townships.values()) == int((then == "lifted").sum())


@pytest.mark.parametrize("role", ["gis", "cadre"])
def test_a_past_tile_keeps_each_role_to_what_todays_tile_lets_it_see(client, login, county, role):
    login(role)
    households = county.households
    own = households[households.natural_village_code.str.startswith(cadre_village(county))]
    row = (own if role == "cadre" else households)[lambda h: h.left_behind_children > 0].iloc[0]
    address = household_tile(county, row.code)
    today = props(
        mapbox_vector_tile.decode(client.get("/tiles/{}/{}/{}.mvt".format(*address)).data)["households"]
    )
    past = props(past_tile(client, *address)["households"])
    assert set(past) == set(today)  # a cadre's villages only, as today
    assert {k for p in past.values() for k in p} == {k for p in today.values() for k in p}
    if role == "gis":
        assert all("left_behind_children" not in p for p in past.values())


@pytest.mark.parametrize("value", ["2022-13-01", "9999-01-01", "20220630"])
def test_a_tile_with_a_bad_or_future_day_is_refused_naming_as_of(client, login, county, value):
    login("leader")
    response = client.get(f"/tiles/14/0/0.mvt?as_of={value}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "as_of" in response.get_data(as_text=True)


def test_the_overview_as_of_a_past_day_draws_the_household_tiles_of_that_day(client, login, county, history):
    login("leader")
    code = lifted_since(county, history)
    page = client.get(f"/areas/{township(county)}?as_of={AS_OF}").get_data(as_text=True)
    template = f"/tiles/{{z}}/{{x}}/{{y}}.mvt?as_of={AS_OF}"
    assert "MinqingMap.householdTiles(map_" in page and f'"{template}"' in page
    z, x, y = household_tile(county, code)
    drawn = client.get(template.format(z=z, x=x, y=y))
    assert props(mapbox_vector_tile.decode(drawn.data)["households"])[code]["lifted"] is False
    today = client.get(f"/areas/{township(county)}").get_data(as_text=True)
    assert '"/tiles/{z}/{x}/{y}.mvt"' in today
