"""Tiles, OGC layers, prints and versions "as of date D" (#13 item 2), as a user asking gets them."""

import datetime
import re
import subprocess

import mapbox_vector_tile
import pandas as pd
import pyogrio
import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import TEST_SEED, cadre_village, csrf_token, log_in, work_day
from tests.test_history import AS_OF, statuses_on, township
from tests.test_member_card import card_household, stored_members
from tests.test_members import id_number
from tests.test_ogc import ITEMS
from tests.test_printing import get_pdf, pdftotext, township_of
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


# --- OGC API - Features ---------------------------------------------------------------------------


def gdal(*arguments: str, accounts, role: str = "leader", cwd) -> str:
    """Run a GDAL command line as `role` (HTTP Basic) and return what it printed."""
    username, password = accounts[role]
    auth = ("--config", "GDAL_HTTP_AUTH", "BASIC", "--config", "GDAL_HTTP_USERPWD", f"{username}:{password}")
    done = subprocess.run(
        [*arguments, *auth], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.live
def test_gdal_copies_the_households_as_they_were_on_a_past_day(
    live_server, accounts, county, history, tmp_path
):
    collection = f"OAPIF:{live_server}/ogc/collections/households"
    page = ("-oo", "PAGE_SIZE=700")  # several pages: the next links keep the day
    gdal(
        "ogr2ogr",
        "-f",
        "GPKG",
        "past.gpkg",
        *page,
        f"{collection}?as_of={AS_OF}",
        accounts=accounts,
        cwd=tmp_path,
    )
    gdal("ogr2ogr", "-f", "GPKG", "today.gpkg", *page, collection, accounts=accounts, cwd=tmp_path)
    past = pyogrio.read_dataframe(tmp_path / "past.gpkg").set_index("code").poverty_status
    today = pyogrio.read_dataframe(tmp_path / "today.gpkg").set_index("code").poverty_status
    then = statuses_on(history, AS_OF)
    assert len(past) == len(county.households)
    assert past.sort_index().to_dict() == then.sort_index().to_dict()
    assert (today != past.reindex(today.index)).any()
    none = gdal("ogrinfo", "-so", "-al", f"{collection}?as_of=2020-12-31", accounts=accounts, cwd=tmp_path)
    assert "Feature Count: 0" in none


def test_the_api_document_and_the_collection_describe_as_of(client, login, county):
    login("gis")
    api = client.get("/ogc/api?f=json").json
    households = [p["name"] for p in api["paths"]["/collections/households/items"]["get"]["parameters"]]
    villages = [p["name"] for p in api["paths"]["/collections/villages/items"]["get"]["parameters"]]
    assert "as_of" in households and "as_of" not in villages
    for path in ("/ogc/collections/households?f=json", "/ogc/collections/households/queryables?f=json"):
        assert "As of: YYYY-MM-DD" in client.get(path).json["description"]


@pytest.mark.parametrize(
    ("path", "value"),
    [("households", "2022-02-30"), ("households", "9999-01-01"), ("villages", "2022-06-30")],
)
def test_a_bad_as_of_or_one_on_another_collection_is_a_400_naming_it(client, login, county, path, value):
    login("gis")
    response = client.get(f"/ogc/collections/{path}/items?as_of={value}")
    assert response.status_code == 400 and "as_of" in response.json["description"]


def test_a_past_page_of_households_is_masked_for_gis_as_today(client, login, county):
    login("gis")
    past = client.get(f"{ITEMS}?as_of={AS_OF}&limit=50").json["features"]
    today = client.get(f"{ITEMS}?limit=50").json["features"]
    assert [f["properties"].keys() for f in past] == [f["properties"].keys() for f in today]
    assert all(re.fullmatch(r".\*", f["properties"]["head_name"]) for f in past)
    assert not {"id_number", "left_behind_children"} & set(past[0]["properties"])


# --- prints ---------------------------------------------------------------------------------------


def test_a_village_map_printed_as_of_a_past_day_draws_that_days_households(
    app, client, login, county, history
):
    login("admin")
    code = lifted_since(county, history)
    natural = county.households.set_index("code").natural_village_code[code]
    mine = county.households[county.households.natural_village_code == natural]
    then = statuses_on(history, AS_OF).reindex(mine.code)
    page = client.get(f"/natural-villages/{natural}?as_of={AS_OF}").get_data(as_text=True)
    assert f'<input type="date" name="as_of" value="{AS_OF}"' in page  # the print form keeps the day
    url = f"/print/natural-villages/{natural}.pdf?indicators=lifted,registered_poor&names=shown&as_of={AS_OF}"
    past = pdftotext(get_pdf(client, url).data, layout=True)
    today = pdftotext(get_pdf(client, url.split("&as_of")[0]).data, layout=True)
    assert f"已脱贫户 Lifted out of poverty ({int((then == 'lifted').sum())})" in past
    lifted_now = int((mine.poverty_status == "lifted").sum())
    assert f"已脱贫户 Lifted out of poverty ({lifted_now})" in today and lifted_now > (then == "lifted").sum()
    assert f"截至 As of {AS_OF}" in past and "截至" not in today
    # The roster is that day's: today's last visits (this year's work) had not happened yet.
    visits = set(re.findall(r"20\d\d-\d\d-\d\d", today)) - set(re.findall(r"20\d\d-\d\d-\d\d", past))
    assert visits and not any(day in past for day in visits)


def test_a_print_with_a_bad_or_future_day_is_refused_naming_as_of(client, login, county):
    login("admin")
    natural = county.natural_villages.code.iloc[0]
    response = client.get(
        f"/print/natural-villages/{natural}.pdf?as_of=9999-01-01", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400 and "as_of" in response.get_data(as_text=True)


# --- the household card's versions ----------------------------------------------------------------


def versions_list(client, code: str) -> str:
    page = client.get(f"/households/{code}").get_data(as_text=True)
    return re.search(r'<ol class="timeline" id="household-versions">(.*?)</ol>', page, re.S).group(1)


def entries(timeline: str) -> list[str]:
    return re.findall(r"<li><span class=\"when\">.*?</li>\s*(?=<li><span|$)", timeline, re.S)


def test_the_cards_versions_show_members_added_changed_and_removed_with_who_and_masked(
    app, client, login, accounts, county
):
    code = card_household(county)
    login("cadre")
    token = csrf_token(client.get(f"/households/{code}").get_data(as_text=True))
    number = id_number("20180301", 42)
    child = {
        "csrf_token": token,
        "name": "杨小花",
        "relation": "granddaughter",
        "id_number": number,
        "insured": "1",
    }
    assert client.post(f"/households/{code}/members", data=child).status_code == 303
    new = next(p for p in stored_members(app, code) if p.name == "杨小花")
    renumbered = id_number("20180301", 44)
    changed = {**child, "relation": "daughter", "student": "1", "id_number": renumbered}
    assert client.post(f"/households/{code}/members/{new.id}", data=changed).status_code == 303
    removed = client.post(f"/households/{code}/members/{new.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303

    newest = entries(versions_list(client, code))[:3]  # removed, changed, added
    assert all("test-cadre" in e for e in newest)
    assert "成员 杨小花: 在册 → 删除" in newest[0]
    assert "成员 杨小花 · 与户主关系: 孙女 → 女" in newest[1] and "成员 杨小花 · 在校生: 否 → 是" in newest[1]
    assert "成员 杨小花: – → 新增" in newest[2]
    assert f"身份证号: {number} → {renumbered}" in newest[1]  # in full for the cadre, as on the card

    leader = signed_in(app, accounts, "leader")  # ID numbers masked as on the card
    timeline = versions_list(leader, code)
    assert "成员 杨小花: 在册 → 删除" in timeline and number not in timeline and renumbered not in timeline
    assert (
        f"身份证号: {number[:4]}**********{number[-4:]} → {renumbered[:4]}**********{renumbered[-4:]}"
        in timeline
    )

    gis = signed_in(app, accounts, "gis")  # no member list on its card (it tells the count): none here
    timeline = versions_list(gis, code)
    assert "成员" not in timeline and "杨小花" not in timeline and "杨*" not in timeline


def signed_in(app, accounts, role: str):
    """Return a new test client logged in as `role` (beside the test's own)."""
    other = app.test_client()
    assert log_in(other, *accounts[role]).status_code == 302
    return other


def test_the_demo_familys_members_entered_the_files_with_their_household(client, login, county):
    login("admin")
    timeline = versions_list(client, card_household(county))
    assert "新增" not in timeline and "删除" not in timeline
    assert entries(timeline)[-1].count("录入档案") == 1


def test_a_township_atlas_queued_as_of_a_past_day_says_so_on_every_page(app, client, login, county):
    township = township_of(county, cadre_village(county))
    login("admin")
    form = client.get(f"/print/townships/{township}/atlas").get_data(as_text=True)
    assert 'name="as_of"' in form
    data = {"csrf_token": csrf_token(form), "names": "masked", "table": "0", "as_of": str(AS_OF)}
    job = client.post(f"/print/townships/{township}/atlas", data=data).headers["Location"]
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0
    pages = pdftotext(get_pdf(client, job + "/result").data).split("\f")[:-1]
    assert pages and all(f"截至 As of {AS_OF}" in page for page in pages)


def test_tilejson_of_a_past_day_hands_out_that_days_tiles(client, login, county):
    login("gis")
    template = client.get(f"/tiles.json?as_of={AS_OF}").json["tiles"][0]
    assert template.endswith(f"/tiles/{{z}}/{{x}}/{{y}}.mvt?as_of={AS_OF}")
    assert client.get("/tiles.json").json["tiles"][0].endswith(".mvt")
    assert client.get("/tiles.json?as_of=2022-02-30").status_code == 400


def test_the_print_command_prints_as_of_a_day_and_refuses_a_future_one(
    app, app_context, accounts, county, tmp_path
):
    natural = county.natural_villages.code.iloc[0]
    out = tmp_path / "past.pdf"
    command = ["print", "natural-village", natural, "--user", accounts["admin"][0], "--out", str(out)]
    result = app.test_cli_runner().invoke(args=[*command, "--as-of", str(AS_OF)])
    assert result.exit_code == 0, result.output
    assert f"截至 As of {AS_OF}" in pdftotext(out.read_bytes())
    refused = app.test_cli_runner().invoke(args=[*command, "--as-of", "9999-01-01"])
    assert refused.exit_code != 0 and "as_of" in refused.output


def test_a_past_tile_withholds_small_sensitive_counts_from_gis_as_today(app, client, login, county):
    login("gis")
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    k = app.config["DISCLOSURE_MIN_COUNT"]
    for layer in ("natural_villages", "villages", "townships"):
        features = past_tile(client, *tile_of(centre.x, centre.y, 9))[layer]["features"]
        shown = [f["properties"] for f in features if not f["properties"]["left_behind_children_suppressed"]]
        withheld = [f["properties"] for f in features if f["properties"]["left_behind_children_suppressed"]]
        assert all(p["left_behind_children"] >= k for p in shown)
        assert all("left_behind_children" not in p for p in withheld)
        if layer == "natural_villages":
            assert withheld  # small counts exist in the test county's natural villages


# --- the work figures of a past day ---------------------------------------------------------------


def visited_twice_by(app, day: datetime.date) -> pd.Series:
    """Return each natural village's share (in %) of households whose two last visits by `day` fall
    in the 12 months before it, read from the visits themselves (pandas, not the service's SQL)."""
    with app.app_context():
        visits = pd.read_sql(text("SELECT household_id, visited_on FROM visit"), db.engine)
        homes = pd.read_sql(
            text(
                "SELECT h.id, v.code FROM household h JOIN natural_village v ON v.id = h.natural_village_id"
            ),
            db.engine,
        )
    before = visits[visits.visited_on <= day].sort_values("visited_on", ascending=False)
    second = before.groupby("household_id").visited_on.nth(1)
    second = pd.Series(second.to_numpy(), index=before.loc[second.index, "household_id"].to_numpy())
    a_year_before = day.replace(year=day.year - 1)
    covered = homes.id.map(second).gt(a_year_before).fillna(False)
    return (100 * covered).groupby(homes.code).mean()


def test_a_past_days_visit_coverage_counts_the_visits_made_by_then(app, client, login, county):
    login("leader")
    day = work_day() - datetime.timedelta(days=150)
    expected = visited_twice_by(app, day)
    code = cadre_village(county)  # a village's map: its natural villages
    past = client.get(f"/areas/{code}/values.json?indicator=visit_coverage&as_of={day}").json["areas"]
    now = client.get(f"/areas/{code}/values.json?indicator=visit_coverage").json["areas"]
    shown = {c: v[0] for c, v in past.items() if v is not None and c in expected.index}
    assert len(shown) >= 3
    assert shown == pytest.approx({c: expected[c] for c in shown}, abs=0.5)  # the map's whole per cents
    assert shown != {c: now[c][0] for c in shown}  # not today's coverage under a past date
