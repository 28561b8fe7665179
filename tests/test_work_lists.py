"""What is left to do (#11): a cadre's households due for a visit, the poor without a helper."""

import re

import pandas as pd
import pytest

from app.queries.work_lists import coverage_cutoffs
from tests.conftest import cadre_village, log_in, work_day


def codes(html: str) -> list[str]:
    return re.findall(r'<(?:li|tr) data-code="(\d+)"', html)


@pytest.fixture(scope="module")
def me(work, county):
    """The test cadre's register row and the households of their patch."""
    cadres = work.cadres[work.cadres.village_code == cadre_village(county)].sort_values("phone")
    phone = cadres.phone.iloc[0]
    patches = work.patches[work.patches.phone == phone]
    households = county.households
    mine = households[
        households.natural_village_code.isin(patches.natural_village_code)
        | households.code.isin(patches.household_code)
    ]
    return phone, mine


def due(work, households) -> set[str]:
    year, half = coverage_cutoffs(work_day())
    visits = work.visits[work.visits.household_code.isin(households.code)]
    days = pd.to_datetime(visits.visited_on).dt.date
    in_year = visits[days >= year].household_code.value_counts()
    last = visits.assign(day=days).groupby("household_code").day.max()
    ok = {c for c in households.code if in_year.get(c, 0) >= 2 and last.get(c) >= half}
    return set(households.code) - ok


def test_a_cadre_sees_the_households_of_their_patch_due_for_a_visit(client, login, work, me):
    _, mine = me
    login("cadre")
    response = client.get("/work/overdue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = due(work, mine)
    assert expected, "the test cadre's patch has households due"
    assert set(codes(html)) == expected
    assert f'data-overdue="{len(expected)}"' in html and f"/ {len(mine)}" in html
    # Full detail in their own village: names shown; the list links each household to the visit form.
    name = mine.set_index("code").head_name[sorted(expected)[0]]
    assert name in html and "/work/visits/new?household=" in html


def test_from_where_the_cadre_stands_the_nearest_household_comes_first(client, login, work, me):
    _, mine = me
    target = sorted(due(work, mine))[-1]
    point = mine.set_index("code").geometry[target]
    login("cadre")
    html = client.get(f"/work/overdue?lon={point.x:.7f}&lat={point.y:.7f}").get_data(as_text=True)
    assert codes(html)[0] == target
    metres = [float(m.replace(",", "")) for m in re.findall(r'class="distance">([\d,]+) m<', html)]
    assert metres[0] == 0 and metres == sorted(metres) and len(metres) == len(codes(html))


@pytest.mark.parametrize(
    ("query", "name"),
    [("lon=abc&lat=26", "lon"), ("lon=107&lat=99", "lat"), ("lon=107", "lat"), ("cadre=12345", "cadre")],
)
def test_bad_positions_and_cadres_are_refused_naming_the_parameter(client, login, query, name):
    login("cadre")
    response = client.get(f"/work/overdue?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert f"parameter {name}=" in response.get_json()["message"]


def test_a_leader_reads_any_cadres_list_and_a_cadre_not_another_villages(
    app, client, login, accounts, work, county, me
):
    phone, _ = me
    other = work.cadres[work.cadres.village_code != cadre_village(county)].phone.iloc[0]
    login("leader")
    assert client.get(f"/work/overdue?cadre={phone}").status_code == 200
    assert client.get(f"/work/overdue?cadre={other}").status_code == 200
    assert client.get("/work/overdue").status_code == 404  # a leader is no cadre of the register
    cadre = app.test_client()
    log_in(cadre, *accounts["cadre"])
    assert cadre.get(f"/work/overdue?cadre={other}").status_code == 403
    assert cadre.get("/work/overdue?cadre=13900000000").status_code == 404


def unpaired_codes(county, work, township: str) -> set[str]:
    households = county.households
    poor = households[(households.poverty_status != "none") & households.code.str.startswith(township[:9])]
    paired = work.pairings.household_code[work.pairings.end.isna()]
    return set(poor.code[~poor.code.isin(paired)])


def test_a_leader_lists_each_townships_poor_households_without_a_helper(client, login, county, work):
    login("leader")
    overview = client.get("/work/unpaired").get_data(as_text=True)
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    assert f'data-code="{township}"' in overview
    html = client.get(f"/work/unpaired/{township}").get_data(as_text=True)
    expected = unpaired_codes(county, work, township)
    assert expected and set(codes(html)) == expected
    assert client.get("/work/unpaired/123").status_code == 400


def test_a_cadre_gets_the_list_for_their_village_and_counts_elsewhere(client, login, county, work):
    village = cadre_village(county)
    township = village[:9] + "000"
    login("cadre")
    html = client.get(f"/work/unpaired/{township}").get_data(as_text=True)
    listed = set(codes(html))
    assert listed == {c for c in unpaired_codes(county, work, township) if c.startswith(village)}
    counted = re.findall(r'data-village="(\d+)"', html)
    assert village not in counted and all(c.startswith(township[:9]) for c in counted)


@pytest.mark.parametrize(("role", "visits"), [("leader", True), ("gis", False)])
def test_a_household_card_lists_its_visits_to_the_readers_of_visits_only(client, login, work, role, visits):
    latest = (
        work.visits.sort_values("visited_on").groupby("household_code").tail(1).set_index("household_code")
    )
    code = sorted(latest.index)[0]
    login(role)
    html = client.get(f"/households/{code}").get_data(as_text=True)
    # gis gets counts only (the battle map, the indicators), never a family's visits one by one.
    assert (str(latest.visited_on[code]) in html) is visits
    assert (latest.findings[code] in html) is visits


def test_a_cadres_pairings_list_current_and_ended_ones(client, login, work, me):
    phone, _ = me
    mine = work.pairings[work.pairings.phone == phone]
    assert len(mine) > 0
    login("leader")
    html = client.get(f"/work/pairings?cadre={phone}").get_data(as_text=True)
    rows = re.findall(r'<tr data-code="(\d+)" data-current="(yes|no)">', html)
    assert sorted(rows) == sorted(
        (c, "yes" if pd.isna(e) else "no") for c, e in zip(mine.household_code, mine.end, strict=True)
    )
    assert client.get("/work/pairings?cadre=1").status_code == 400


def test_the_overdue_households_are_drawn_on_the_map_coloured_by_why(client, login, work):
    from tests.test_drilldown import layer

    login("cadre")
    listed = codes(client.get("/work/overdue").get_data(as_text=True))
    html = client.get("/work/overdue-map").get_data(as_text=True)
    drawn = layer(html, "mq-overdue")["features"]
    assert sorted(f["properties"]["code"] for f in drawn) == sorted(listed) and listed
    assert {f["properties"]["status"] for f in drawn} <= {"never", "half_year", "once"}
    for status in ("never", "half_year", "once"):
        n = sum(f["properties"]["status"] == status for f in drawn)
        assert re.search(rf'data-status="{status}">.*?<span class="n">{n}</span>', html, re.S)
    assert "待走访农户" in html and layer(html, "mq-outline")["features"]


def test_gis_sees_the_overdue_map_with_names_masked_as_on_the_list(client, login, work, me):
    from tests.test_drilldown import layer

    phone, mine = me
    login("gis")
    drawn = layer(client.get(f"/work/overdue-map?cadre={phone}").get_data(as_text=True), "mq-overdue")
    names = mine.set_index("code").head_name
    assert drawn["features"]
    for feature in drawn["features"]:
        shown = feature["properties"]["head_name"]
        assert shown != names[feature["properties"]["code"]] and shown.endswith("*")
