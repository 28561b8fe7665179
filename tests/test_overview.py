"""The county overview page: map, legend and township table agree with the data."""

import gzip
import re

import pytest

from app.indicators import INDICATORS
from tests.conftest import log_in
from tests.test_drilldown import shapes_response


def layer_text(page: str, element_id: str) -> str:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    return found.group(1)


def test_the_overview_shows_every_township_with_counts_that_add_up(client, login, county):
    login("leader")
    page = client.get("/").get_data(as_text=True)
    for name in county.admin_units.query("level == 'township'").name:
        assert name in page
    total = re.search(
        r'<tr class="total">\s*<td>合计</td>\s*<td class="num">([\d,]+)</td>\s*'
        r'<td class="num">([\d,]+)</td>',
        page,
    )
    assert total, "the table has no county total row"
    households, poor = (int(g.replace(",", "")) for g in total.groups())
    assert households == len(county.households)
    assert poor == int(county.households.poverty_status.isin(["registered", "lifted"]).sum())


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.key)
def test_the_legend_classes_every_natural_village(client, login, county, indicator):
    login("gis")
    page = client.get(f"/?indicator={indicator.key}").get_data(as_text=True)
    assert f"图例: {indicator.zh}" in page
    counted = sum(int(n) for n in re.findall(r'<span class="n">\((\d+) 个自然寨\)</span>', page))
    assert counted == len(county.natural_villages)


def test_the_map_loads_nothing_from_outside_the_app(client, login):
    login("admin")
    page = client.get("/").get_data(as_text=True)
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "L.map(" in page and "MinqingMap.choropleth(" in page


def test_english_is_one_click_away(client, login):
    login("leader")
    client.get("/lang/en")
    page = client.get("/?indicator=dibao").get_data(as_text=True)
    assert "County overview" in page and "Legend: Low-income allowance (dibao)" in page
    client.get("/lang/zh")
    assert "全县概览" in client.get("/").get_data(as_text=True)


def test_an_unknown_indicator_is_named_in_the_error(client, login):
    login("leader")
    response = client.get("/?indicator=poverty", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "indicator=&#39;poverty&#39;" in response.get_data(as_text=True)


def test_the_full_table_gives_every_indicator_for_the_county(client, login, county):
    login("leader")
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('class="all-indicators"') :]
    total = section[section.index('<tr class="total">') :]
    total = total[: total.index("</tr>")]
    cells = re.findall(r'<td class="num">([^<]+)', total)
    households = county.households
    expected = [len(households), int(households.poverty_status.isin(["registered", "lifted"]).sum())]
    assert [int(c.strip().replace(",", "")) for c in cells[:2]] == expected
    assert len(cells) == 1 + len(INDICATORS)
    dibao = [i.key for i in INDICATORS].index("dibao") + 1
    assert int(cells[dibao].strip().replace(",", "")) == int(households.dibao.sum())


def _gzipped(text: str) -> int:
    return len(gzip.compress(text.encode(), 4))  # as deploy/nginx compresses


def test_the_overview_stays_under_its_size_at_scale(client, login, county):
    """#13/#15: under 500 KB gzipped at 170,000 households (3,500 natural villages).

    The page with its fixed part (controls, tables, the registry) and its per-natural-village part
    (the value in the page, the outline fetched with it), measured here and scaled to the county of
    the target. Compressed alone, this county's few areas cost more each than a full county's;
    bench/light.py measures 170,000 and 1,000,000.
    """
    login("leader")
    page = client.get("/").get_data(as_text=True)
    response = shapes_response(client, page)
    outlines = response.json
    n = len(outlines["features"])
    assert n == len(county.natural_villages)
    values = _gzipped(layer_text(page, "mq-values"))
    per_area = (len(gzip.compress(response.data, 4)) + values) / n
    fixed = _gzipped(page) - values
    assert fixed + per_area * 3_500 < 500_000, (fixed, per_area)
    # Outlines carry no indicator: those come one at a time, as the reader may see them.
    assert {key for f in outlines["features"] for key in f["properties"]} == {"code", "name", "households"}


def county_code(county) -> str:
    return county.admin_units.query("level == 'county'").code.iloc[0]


def test_switching_fetches_one_indicator_as_the_role_may_see_it(app, client, login, accounts, county):
    """The values JSON: every natural village by code; a sensitive count withheld where gis may not see it."""
    url = f"/areas/{county_code(county)}/values.json?indicator=left_behind_children"
    login("leader")
    full = client.get(url).json
    households = county.households.groupby("natural_village_code").left_behind_children
    counts = households.apply(lambda n: int((n > 0).sum()))
    assert set(full) == {"indicator", "areas"} and full["indicator"] == "left_behind_children"
    assert {code: figures[1] for code, figures in full["areas"].items()} == counts.to_dict()
    gis = app.test_client()
    log_in(gis, *accounts["gis"])
    response = gis.get(url)
    assert response.headers["Cache-Control"] == "private, no-cache" and response.headers["ETag"]
    seen = response.json["areas"]
    k = app.config["DISCLOSURE_MIN_COUNT"]
    small = [code for code, n in counts.items() if n < k]
    assert small and all(seen[code] is None for code in small)  # withheld: neither count nor share
    assert all(seen[code] is None or seen[code] == full["areas"][code] for code in seen)
    # The same data again costs the browser nothing but a revalidation.
    again = gis.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    ("query", "named"), [("indicator=poverty", "indicator="), ("indicator=dibao&zoom=3", "zoom")]
)
def test_a_bad_values_request_is_named(client, login, county, query, named):
    login("leader")
    json = {"Accept": "application/json"}  # as the page's script asks
    response = client.get(f"/areas/{county_code(county)}/values.json?{query}", headers=json)
    assert response.status_code == 400 and named in response.json["message"]
    missing = client.get("/areas/522699999999/values.json", headers=json)
    assert missing.status_code == 404 and "522699999999" in missing.json["message"]


def test_values_need_a_login(client, county):
    response = client.get(f"/areas/{county_code(county)}/values.json?indicator=dibao")
    assert response.status_code in (302, 401)


def test_outlines_name_a_bad_version(client, login, county):
    login("leader")
    url = f"/areas/{county_code(county)}/shapes.json"
    response = client.get(f"{url}?v=x1", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "v='x1'" in response.json["message"]
    assert client.get(f"{url}?v=%C2%B2", headers={"Accept": "application/json"}).status_code == 400
    # An old version's URL still answers, with the outlines as they are now, not to be kept.
    stale = client.get(f"{url}?v=1")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "private, no-cache"
