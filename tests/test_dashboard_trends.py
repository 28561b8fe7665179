"""The dashboard's trend: each indicator at every year's end and today: drawn, downloaded, printed."""

import datetime
import html
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app import indicators
from app.extensions import db
from app.queries import trends
from tests.conftest import log_in as log_in_client
from tests.test_browser import browser, log_in, page, server  # noqa: F401
from tests.test_printing import get_pdf, pdftotext

TRACED = [i for i in indicators.INDICATORS if i.reads == "household"]
# The versions that held at the last moment of the year before :next in the county's zone.
YEAR_END = "h.valid @> (CAST(:next AS timestamp) AT TIME ZONE :zone - interval '1 microsecond')"
TITLE = re.compile(r'<svg class="sparkline"[^>]*data-indicator="(\w+)"><title>([^<]*)</title>')


def held_at_years_end(app, year: int, indicator: indicators.Indicator, township: str | None = None) -> int:
    """Count the households with `indicator` as they were at the end of `year`, from the history itself."""
    within = (
        ""
        if township is None
        else """AND h.natural_village_id IN (
        SELECT nv.id FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id
        JOIN admin_unit t ON t.id = v.parent_id WHERE t.code = :township)"""
    )
    with app.app_context():
        return db.session.execute(
            text(f"""
                SELECT count(*) FROM household_history h
                WHERE {YEAR_END} AND ({indicator.sql}) {within}"""),
            {"next": f"{year + 1}-01-01", "zone": app.config["TIME_ZONE"], "township": township},
        ).scalar_one()


def history_years(app) -> list[int]:
    with app.app_context():
        first = db.session.execute(
            text(
                "SELECT extract(year FROM min(lower(valid)) AT TIME ZONE :zone)::int FROM household_history"
            ),
            {"zone": app.config["TIME_ZONE"]},
        ).scalar_one()
    return list(range(first, datetime.date.today().year))


def titles(page_html: str) -> list[tuple[str, dict[str, str]]]:
    """Return each sparkline's indicator and its points (label -> value as written) from its title."""
    found = []
    for key, said in TITLE.findall(page_html):
        points = html.unescape(said).split("：", 1)[1]
        found.append((key, dict(p.split(": ", 1) for p in points.split("; "))))
    return found


def first_township(county) -> str:
    units = county.admin_units
    return sorted(units[units.level == "township"].code)[0]


@pytest.mark.browser
def test_a_leader_sees_a_sparkline_per_indicator_matching_the_history(page, server, accounts, app, tmp_path):  # noqa: F811
    log_in(page, server, accounts, "leader")
    page.goto(f"{server}/dashboard")
    page.locator("section.totals").screenshot(path=str(tmp_path / "trends.png"))
    years = history_years(app)
    assert len(years) >= 4, "the demo's history spans 2021-2025"
    for ind in TRACED:
        chart = page.locator(f'li[data-indicator="{ind.key}"] svg.sparkline')
        assert chart.count() == 1, ind.key
        said = chart.locator("title").text_content()
        assert chart.get_attribute("aria-label") == said
        points = dict(p.split(": ", 1) for p in said.split("：", 1)[1].split("; "))
        assert list(points) == [*map(str, years), "今天"]
        assert chart.locator("polyline").count() == 1 and chart.locator("circle").count() == 2
        labels = chart.locator("text").all_text_contents()
        assert labels == [points[str(years[0])].split(" ")[0], points["今天"].split(" ")[0]]
    poor = indicators.BY_KEY["registered_poor"]
    said = page.locator('li[data-indicator="registered_poor"] svg.sparkline title').text_content()
    year = years[len(years) // 2]
    assert f"{year}: {held_at_years_end(app, year, poor):,} (" in said
    total = page.locator('li[data-indicator="registered_poor"] > b').text_content()
    assert f"今天: {total} (" in said
    for ind in indicators.INDICATORS:
        if ind.reads == "work":  # pairings and visits are not versioned: no trend to draw
            assert page.locator(f'li[data-indicator="{ind.key}"] svg.sparkline').count() == 0
    assert page.outside == []


def test_a_chosen_townships_trend_is_its_own(client, login, county, app):
    login("leader")
    township = first_township(county)
    page_html = client.get(f"/dashboard?township={township}").get_data(as_text=True)
    charts = titles(page_html)
    assert [key for key, _ in charts] == [key for i in TRACED for key in (i.key, i.key)]
    dibao = indicators.BY_KEY["dibao"]
    county_points, township_points = (points for key, points in charts if key == "dibao")
    year = history_years(app)[0]
    assert county_points[str(year)].startswith(f"{held_at_years_end(app, year, dibao):,} (")
    assert township_points[str(year)].startswith(f"{held_at_years_end(app, year, dibao, township):,} (")
    assert county_points != township_points


def test_the_workbook_has_the_trend_in_numbers_under_chinese_headers(client, login, county, app):
    login("leader")
    township = first_township(county)
    book = load_workbook(io.BytesIO(client.get(f"/dashboard.xlsx?township={township}").data))
    sheet = book["历年趋势"]
    years = history_years(app)
    header = [c.value for c in sheet[1]]
    assert header == ["地区", "指标", *(f"{y}年底" for y in years), "今天"]
    rows = {(r[0], r[1]): r[2:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    county_name = county.admin_units.query("level == 'county'").name.iloc[0]
    township_name = county.admin_units.set_index("code").name[township]
    lifted = indicators.BY_KEY["lifted"]
    for name, code in ((county_name, None), (township_name, township)):
        values = rows[(name, "已脱贫户")]
        assert values[:-1] == tuple(held_at_years_end(app, y, lifted, code) for y in years)
        assert all(isinstance(v, int) for v in values)
    shares = rows[(county_name, "已脱贫户 占比")]
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in shares)
    share_row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "已脱贫户 占比")
    assert share_row[2].number_format == "0.0%"
    income = rows[(county_name, "人均纯收入")]
    assert all(isinstance(v, (int, float)) for v in income) and income[0] != income[-1]


def test_the_summary_prints_each_indicators_year_ends(client, login, app, tmp_path):
    login("leader")
    body = get_pdf(client, "/dashboard.pdf").data
    (tmp_path / "summary.pdf").write_bytes(body)  # kept for a look
    text_ = pdftotext(body, layout=True)
    years = history_years(app)
    poor = indicators.BY_KEY["registered_poor"]
    line = next(line for line in text_.splitlines() if line.lstrip().startswith("建档立卡户"))
    first = held_at_years_end(app, years[0], poor)
    assert "历年年底" in text_ and f"{years[0]} {first:,} →" in line


def test_a_reader_who_may_not_see_a_townships_count_does_not_get_its_trend(
    client, login, county, app, accounts, monkeypatch
):
    """The gis role sees no sensitive indicator per household (app.privacy): a township whose count is
    below the threshold is withheld from it, today and in every year; a leader sees it."""
    ind = indicators.SENSITIVE[0]
    with app.app_context():
        counts = db.session.execute(
            text(f"""
                SELECT t.code, sum(s.{ind.key}) FROM natural_village_stats s
                JOIN natural_village nv ON nv.id = s.natural_village_id
                JOIN admin_unit v ON v.id = nv.village_id JOIN admin_unit t ON t.id = v.parent_id
                GROUP BY t.code ORDER BY 2, 1""")
        ).all()
    township, fewest = counts[0]
    monkeypatch.setitem(app.config, "DISCLOSURE_MIN_COUNT", int(fewest) + 1)
    app.extensions.pop("area_maps", None)  # tables kept for the usual threshold
    try:
        login("gis")
        page_html = client.get(f"/dashboard?township={township}").get_data(as_text=True)
        _county, hidden = (points for key, points in titles(page_html) if key == ind.key)
        assert set(hidden.values()) == {"不公开"}
        chart = re.findall(rf'<svg class="sparkline"[^>]*data-indicator="{ind.key}">.*?</svg>', page_html)[1]
        assert "<polyline" not in chart and "<circle" not in chart
        book = load_workbook(io.BytesIO(client.get(f"/dashboard.xlsx?township={township}").data))
        name = county.admin_units.set_index("code").name[township]
        row = next(
            r for r in book["历年趋势"].iter_rows(min_row=2, values_only=True) if r[:2] == (name, ind.zh)
        )
        assert set(row[2:]) == {"不公开"}
        leader = app.test_client()
        log_in_client(leader, *accounts["leader"])
        page_html = leader.get(f"/dashboard?township={township}").get_data(as_text=True)
        _county, shown = (points for key, points in titles(page_html) if key == ind.key)
        assert "不公开" not in shown.values()
    finally:
        app.extensions.pop("area_maps", None)


def test_a_year_that_ended_is_added_by_the_first_reader_after_it(client, login, app):
    with app.app_context():
        last = datetime.date.today().year - 1
        db.session.execute(text(f"DELETE FROM {trends.TABLE} WHERE year = :y"), {"y": last})
        db.session.execute(text(f"UPDATE {trends.STATE} SET built_through = :y"), {"y": last - 1})
        db.session.commit()
    app.extensions.pop("area_maps", None)  # as a process that starts after the year's end
    login("leader")
    (_key, points), *_ = titles(client.get("/dashboard").get_data(as_text=True))
    assert str(last) in points
    with app.app_context():
        assert db.session.execute(text(f"SELECT built_through FROM {trends.STATE}")).scalar_one() == last


def test_history_backdated_by_hand_reaches_the_trend_after_flask_trends(client, login, app):
    year = history_years(app)[0]
    dibao = indicators.BY_KEY["dibao"]
    before = held_at_years_end(app, year, dibao)
    with app.app_context():
        db.session.execute(
            text(f"UPDATE household_history h SET dibao = NOT dibao WHERE {YEAR_END}"),
            {"next": f"{year + 1}-01-01", "zone": app.config["TIME_ZONE"]},
        )
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["trends"])  # as `flask --app app trends`
        assert result.exit_code == 0, result.output
    try:
        login("leader")
        charts = dict(titles(client.get("/dashboard").get_data(as_text=True)))
        after = held_at_years_end(app, year, dibao)
        assert after != before and charts["dibao"][str(year)].startswith(f"{after:,} (")
    finally:
        app.extensions.pop("area_maps", None)  # kept for a version number the rollback gives back
