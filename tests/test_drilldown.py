"""Drilling down: county → township → village → natural village → household, as each role may."""

import json
import re

import pytest

from tests.conftest import cadre_village


def layer(page: str, element_id: str):
    """Return the JSON data layer `element_id` embedded in a page, or None."""
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    return json.loads(match.group(1).replace("<\\/", "</")) if match else None


def shapes_response(client, page: str):
    """Return the response to the outlines a map page fetches (their URL is in the page's script)."""
    response = client.get(re.search(r'"shapes": "([^"]+)"', page).group(1))
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]
    return response


def shapes(client, page: str) -> dict:
    return shapes_response(client, page).json


def first(frame, column="code"):
    return sorted(frame[column])[0]


@pytest.fixture
def township(county):
    return first(county.admin_units[county.admin_units.level == "township"])


def test_a_township_shows_its_villages_and_links_down(client, login, county, township):
    login("leader")
    page = client.get(f"/areas/{township}?indicator=dibao").get_data(as_text=True)
    villages = county.admin_units[county.admin_units.parent_code == township]
    features = shapes(client, page)["features"]
    codes = [f["properties"]["code"] for f in features]
    assert sorted(codes) == sorted(villages.code)
    households = county.households[county.households.code.str.startswith(township[:9])]
    assert sum(f["properties"]["households"] for f in features) == len(households)
    # The indicator's values travel apart from the outlines: [share, count] per village code.
    values = layer(page, "mq-values")
    assert values["indicator"] == "dibao" and sorted(values["areas"]) == sorted(codes)
    assert sum(values["areas"][code][1] for code in codes) == int(households.dibao.sum())
    for code in villages.code:
        assert f'href="/areas/{code}?indicator=dibao&amp;classes=quantile"' in page
    assert re.search(r'<nav class="trail".*?<a href="/">民情县</a>', page, re.S)


def test_a_village_shows_its_natural_villages(client, login, county):
    login("gis")
    village = cadre_village(county)
    page = client.get(f"/areas/{village}").get_data(as_text=True)
    expected = county.natural_villages[county.natural_villages.village_code == village]
    codes = [f["properties"]["code"] for f in shapes(client, page)["features"]]
    assert sorted(codes) == sorted(expected.code)
    for code in expected.code:
        assert f'href="/natural-villages/{code}?indicator=registered_poor&amp;classes=quantile"' in page


def natural_village_page(client, code):
    response = client.get(f"/natural-villages/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def own_natural_village(county):
    villages = county.natural_villages
    return first(villages[villages.village_code == cadre_village(county)])


def foreign_natural_village(county):
    villages = county.natural_villages
    return first(villages[villages.village_code != cadre_village(county)])


def test_a_leader_sees_every_household_with_its_flags(client, login, county):
    login("leader")
    code = own_natural_village(county)
    page = natural_village_page(client, code)
    expected = county.households[county.households.natural_village_code == code].set_index("code")
    features = layer(page, "mq-households")["features"]
    assert sorted(f["id"] for f in features) == sorted(expected.index)
    for feature in features:
        row, props = expected.loc[feature["id"]], feature["properties"]
        assert props["head_name"] == row.head_name
        assert ("dibao" in props["flags"]) == bool(row.dibao)
        assert ("left_behind_children" in props["flags"]) == (row.left_behind_children > 0)


def test_gis_gets_masked_names_and_no_left_behind_children_anywhere(client, login, county):
    login("gis")
    code = own_natural_village(county)
    page = natural_village_page(client, code)
    expected = county.households[county.households.natural_village_code == code]
    for feature in layer(page, "mq-households")["features"]:
        assert re.fullmatch(r".\*", feature["properties"]["head_name"])
        assert "left_behind_children" not in feature["properties"]["flags"]
    assert "left_behind_children" not in page.split('id="mq-households"')[1]
    assert not any(name in page for name in expected.head_name if len(name) > 1)
    assert not any(id_number in page for id_number in expected.id_number)


def test_a_cadre_elsewhere_sees_counts_but_no_household(client, login, county):
    login("cadre")
    code = foreign_natural_village(county)
    page = natural_village_page(client, code)
    assert layer(page, "mq-households") is None
    assert "仅显示汇总数据" in page
    theirs = county.households[county.households.natural_village_code == code]
    assert f'<td class="num">{len(theirs)}</td>' in page
    assert not any(code in page for code in theirs.code)
    assert not any(id_number in page for id_number in theirs.id_number)


@pytest.mark.parametrize(
    ("role", "where", "status"),
    [("leader", "own", 200), ("gis", "own", 200), ("cadre", "own", 200), ("cadre", "foreign", 403)],
)
def test_the_household_card_follows_the_role(client, login, county, role, where, status):
    login(role)
    nv = own_natural_village(county) if where == "own" else foreign_natural_village(county)
    row = county.households[county.households.natural_village_code == nv].iloc[0]
    response = client.get(f"/households/{row.code}")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert (row.id_number in page) == (role == "cadre" and status == 200)
    assert (row.head_name in page) == (role in ("leader", "cadre") and status == 200)
    if status == 200:
        assert f'href="/natural-villages/{nv}"' in page
    if role == "leader":
        assert f"{row.id_number[:4]}**********{row.id_number[-4:]}" in page


def test_bad_drilldown_addresses_are_named(client, login):
    login("admin")
    assert client.get("/areas/52269910").status_code == 400
    assert "不存在" in client.get("/areas/999999999999").get_data(as_text=True)
    assert client.get("/natural-villages/99999999999999").status_code == 404
    assert client.get("/households/nope").status_code == 404


def test_a_leader_finds_a_household_by_its_heads_name(client, login, county):
    row = county.households.sort_values("code").iloc[0]
    login("leader")
    found = client.get(f"/search?q={row.head_name}").get_data(as_text=True)
    assert f'href="/households/{row.code}"' in found and row.head_name in found


def test_gis_searches_by_code_and_sees_masked_names(client, login, county):
    row = county.households.sort_values("code").iloc[0]
    login("gis")
    by_name = client.get(f"/search?q={row.head_name}").get_data(as_text=True)
    assert f'href="/households/{row.code}"' not in by_name
    by_code = client.get(f"/search?q={row.code}").get_data(as_text=True)
    assert f'href="/households/{row.code}"' in by_code
    assert row.head_name not in by_code and f"{row.head_name[0]}*" in by_code


def test_a_cadre_finds_only_households_in_assigned_villages(client, login, county):
    login("cadre")
    prefix = "522699"
    page = client.get(f"/search?q={prefix}").get_data(as_text=True)
    codes = re.findall(r'href="/households/(\d+)"', page)
    households = county.households
    own = set(households[households.natural_village_code.str.startswith(cadre_village(county))].code)
    assert codes and set(codes) <= own


@pytest.mark.parametrize("method", ["quantile", "jenks"])
def test_each_classing_puts_every_area_in_one_class(client, login, county, method):
    login("leader")
    page = client.get(f"/?indicator=dibao&classes={method}").get_data(as_text=True)
    counts = [int(n) for n in re.findall(r'<span class="n">\((\d+) 个自然寨\)</span>', page)]
    assert sum(counts) == len(county.natural_villages) and len(counts) >= 2
    # The page colours them itself (tests/test_browser.py checks its classes match this legend).
    assert len(layer(page, "mq-values")["areas"]) == len(county.natural_villages)


def test_natural_breaks_differ_from_quantiles_on_skewed_data(client, login):
    login("leader")
    legends = [
        re.findall(
            r"(\d+\.\d)% – (\d+\.\d)%",
            client.get(f"/?indicator=registered_poor&classes={m}").get_data(as_text=True),
        )
        for m in ("quantile", "jenks")
    ]
    assert legends[0] != legends[1]


def test_an_unknown_classing_is_named(client, login):
    login("leader")
    response = client.get("/?classes=equal", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "classes='equal'" in response.json["message"]


def test_a_natural_village_page_prints_its_map(client, login, county):
    login("leader")
    code = own_natural_village(county)
    page = natural_village_page(client, code)
    action = re.search(r'<form class="print" method="get" action="([^"]+)"', page).group(1)
    response = client.get(f"{action}?paper=A4&orientation=auto&names=masked&table=1&table=0")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_no_print_form_where_the_role_sees_only_counts(client, login, county):
    login("cadre")
    assert '<form class="print"' not in natural_village_page(client, foreign_natural_village(county))


def test_village_and_township_pages_link_their_atlases(client, login, county, township):
    login("leader")
    village = cadre_village(county)
    assert f'href="/print/villages/{village}/atlas.pdf"' in client.get(f"/areas/{village}").get_data(
        as_text=True
    )
    assert f'href="/print/townships/{township}/atlas"' in client.get(f"/areas/{township}").get_data(
        as_text=True
    )


def test_anyone_finds_a_place_by_its_name(client, login, county):
    natural_villages = county.natural_villages
    name = natural_villages.name.value_counts().index[0]  # the commonest name: several places share it
    login("gis")
    page = client.get(f"/search?q={name}").get_data(as_text=True)
    for code in natural_villages[natural_villages.name == name].code:
        assert f'href="/natural-villages/{code}"' in page
    township = county.admin_units[county.admin_units.level == "township"].iloc[0]
    page = client.get(f"/search?q={township['name']}").get_data(as_text=True)
    assert f'href="/areas/{township.code}"' in page
    assert "未找到地名" in client.get("/search?q=不存在的地方").get_data(as_text=True)


def test_a_search_that_cannot_be_a_name_is_refused(client, login):
    login("leader")
    response = client.get("/search?q=a%00b")
    assert response.status_code == 400 and "q=" in response.get_data(as_text=True)


def test_a_cadre_lands_on_their_own_villages(client, login, county):
    login("cadre")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/mine")
    page = client.get("/mine").get_data(as_text=True)
    village = cadre_village(county)
    assert f'href="/areas/{village}"' in page and f'href="/print/villages/{village}/atlas.pdf"' in page
    own = county.natural_villages[county.natural_villages.village_code == village]
    households = county.households
    for code in own.code:
        count = int((households.natural_village_code == code).sum())
        row = rf'href="/natural-villages/{code}">[^<]+</a></td>\s*<td class="num">{count}</td>'
        assert re.search(row, page)
    other = sorted(county.admin_units.query("level == 'village'").code)[1]
    assert f'href="/areas/{other}"' not in page
    assert client.get("/?indicator=dibao").status_code == 200  # the county is one link away


def test_other_roles_land_on_the_county(client, login):
    login("leader")
    assert client.get("/").status_code == 200
    assert "我的村" not in client.get("/search").get_data(as_text=True)
