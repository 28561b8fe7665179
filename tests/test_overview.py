"""The county overview page: map, legend and township table agree with the data."""

import re

import pytest

from app.indicators import INDICATORS


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
