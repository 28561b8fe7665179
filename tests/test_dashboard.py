"""The leaders' dashboard: county totals, areas ranked by any indicator, each row a link, as XLSX too."""

import io
import re

import pytest
from openpyxl import load_workbook

from app import indicators

ROW = re.compile(
    r'<tr><td class="num">(\d+)</td>\s*<td><a href="/(areas|natural-villages)/(\d+)\?indicator=(\w+)">', re.S
)


def ranked_codes(page: str) -> list[str]:
    return [code for _, _, code, _ in ROW.findall(page)]


def test_natural_villages_ranked_by_dilapidated_houses(client, login, county):
    login("leader")
    page = client.get("/dashboard?level=natural_village&indicator=dilapidated_house").get_data(as_text=True)
    h = county.households
    counts = h.groupby("natural_village_code").dilapidated_house.sum()
    expected = sorted(counts.index, key=lambda code: (-counts[code], code))[:100]
    assert ranked_codes(page) == expected
    assert f'href="/natural-villages/{expected[0]}?indicator=dilapidated_house"' in page
    assert re.search(rf"危房户</a>\s*<b>{int(h.dilapidated_house.sum()):,}</b>", page)  # the county total


def test_villages_of_one_township_by_share_lowest_first(client, login, county):
    login("leader")
    units = county.admin_units
    township = sorted(units[units.level == "township"].code)[1]
    page = client.get(f"/dashboard?level=village&indicator=dibao&by=share&order=asc&township={township}")
    codes = ranked_codes(page.get_data(as_text=True))
    h = county.households
    h = h.assign(village=h.natural_village_code.str[:12])
    share = h[h.village.str.startswith(township[:9])].groupby("village").dibao.mean()
    assert codes == sorted(share.index, key=lambda code: (round(share[code], 4), code))
    assert set(codes) == set(units[units.parent_code == township].code)


def test_the_ranking_downloads_as_a_chinese_workbook_of_numbers(client, login, county):
    login("leader")
    response = client.get("/dashboard.xlsx?level=natural_village&indicator=wubao")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["编码", "自然寨", "乡镇", "行政村", "总户数", "建档立卡户"]
    assert "五保户 占比" in header and not any(re.search("[a-z_]{4,}", str(name)) for name in header)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(county.natural_villages)
    wubao, share = header.index("五保户"), header.index("五保户 占比")
    top = max(rows, key=lambda r: r[wubao])
    assert rows[0][wubao] == top[wubao] and isinstance(rows[0][wubao], int)
    assert isinstance(rows[0][share], float) and sheet.cell(2, share + 1).number_format == "0.0%"
    assert sum(r[header.index("总户数")] for r in rows) == len(county.households)


def test_gis_sees_withheld_counts_last_and_never_their_value(client, login):
    login("gis")
    key = indicators.SENSITIVE[0].key
    page = client.get(f"/dashboard?level=natural_village&indicator={key}").get_data(as_text=True)
    cells = re.findall(r'</a></td>\s*<td>[^<]*</td>\s*<td class="num">[\d,]+</td>\s*(<td[^>]*>)', page)
    withheld = ["withheld" in cell for cell in cells]
    assert any(withheld) and not all(withheld)
    assert withheld == sorted(withheld), "a withheld count is ranked among the published ones"
    sheet = load_workbook(io.BytesIO(client.get(f"/dashboard.xlsx?indicator={key}").data)).active
    column = [c.value for c in sheet[1]].index(indicators.SENSITIVE[0].zh)
    values = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "不公开" in values and all(isinstance(v, int) or v == "不公开" for v in values)


@pytest.mark.parametrize(
    "query, name",
    [
        ("level=hamlet", "hamlet"),
        ("indicator=nope", "nope"),
        ("township=1", "&#39;1&#39;"),
        ("order=up", "up"),
        ("junk=1", "junk"),
    ],
)
def test_a_bad_choice_is_refused_with_its_value(client, login, query, name):
    login("leader")
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 400 and name in response.get_data(as_text=True)


def test_an_unknown_township_is_not_found(client, login):
    login("leader")
    assert client.get("/dashboard?township=522699999000").status_code == 404
