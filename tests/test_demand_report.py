"""The monthly analysis report (民情分析会, #12): a Chinese A4 PDF and an XLSX of a village's month."""

import datetime
import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import cadre_village
from tests.test_demands import act, log_out, registered
from tests.test_printing import ink_share, page_sizes_mm, pdftotext


def _last_month_day() -> datetime.date:
    """A day well inside last month: a dispute (5 working days) raised then is overdue today."""
    return datetime.date.today().replace(day=1) - datetime.timedelta(days=20)


def quiet_village(county) -> str:
    """Return the county's last village: no other test leaves demands there (browser tests commit theirs)."""
    return sorted(county.admin_units.query("level == 'village'").code)[-1]


def township_of(village: str) -> str:
    return village[:9] + "000"


@pytest.fixture
def month(client, login, county):
    """Four demands of a quiet village, by an admin: three this month (closed, answered, new), one overdue."""
    households = county.households.sort_values("code")
    own = households[households.code.str.startswith(quiet_village(county))].iloc[0]
    township = township_of(quiet_village(county))
    login("admin")
    closed = registered(client, own.code, kind="water")
    answered = registered(client, own.code, kind="roads")
    registered(client, own.code, kind="housing")
    overdue = registered(client, own.code, kind="dispute", raised_on=_last_month_day().isoformat())
    for demand in (closed, answered):
        for action, fields in (
            ("accept", {}),
            ("assign", {"assignee_kind": "township", "assignee": township}),
            ("progress", {}),
            ("answer", {"note": "已处理"}),
        ):
            assert act(client, demand, action, **fields).status_code == 302
    assert act(client, closed, "close", rating="satisfied").status_code == 302
    return {"closed": closed, "answered": answered, "overdue": overdue}


def report(client, code: str, **args):
    return client.get("/demands/report", query_string={"code": code, **args})


def test_the_pdf_reports_the_month_in_chinese_with_the_counts_and_the_overdue_list(
    client, county, month, tmp_path
):
    response = report(client, quiet_village(county), month=f"{datetime.date.today():%Y-%m}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    pages = pdftotext(body, layout=True).split("\f")
    first = re.sub(r"[ \t]+", " ", pages[0])
    assert "民情分析会报告" in first and "主要指标" in first and "按类别和状态" in first
    assert re.search(r"本月新增诉求 Raised 3\b", first)
    assert re.search(r"已答复或办结 Solved 2\b", first) and "66.7%" in first
    assert re.search(r"满意率（满意\+基本满意）Satisfaction 100.0%", first)
    assert re.search(r"逾期未办结 Overdue \(all months\) 1\b", first)
    assert re.search(r"饮水 1 0 0 0 0 0 0 1 100.0%", first)  # water: one raised, closed
    assert "本月诉求分布图" in pages[1] and "比例尺" in pages[1] and "逾期（红圈）" in pages[1]
    overdue = re.sub(r"[ \t]+", " ", pages[2])
    assert "逾期未办结诉求" in overdue and re.search(rf"\b{month['overdue']} 纠纷", overdue)
    assert all(abs(w - 210) < 1 and abs(h - 297) < 1 for w, h in page_sizes_mm(body, tmp_path))
    assert ink_share(body, tmp_path, page=2) > 0.02  # the map is drawn, not a blank page


def test_the_xlsx_has_chinese_headers_and_numbers_as_numbers(client, county, month):
    response = report(client, quiet_village(county), format="xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    figures = {row[0]: row[1] for row in book["主要指标"].iter_rows(min_row=4, values_only=True)}
    assert figures["本月新增诉求 Raised"] == 3 and figures["已答复或办结 Solved"] == 2
    assert figures["满意率（满意+基本满意）Satisfaction"] == 1.0
    assert abs(figures["办结率 Solved share"] - 2 / 3) < 1e-9
    kinds = list(book["按类别和状态"].iter_rows(values_only=True))
    assert kinds[0][:3] == ("类别", "新增", "已登记")
    assert kinds[[k[0] for k in kinds].index("饮水")][:2] == ("饮水", 1)
    overdue = list(book["逾期诉求"].iter_rows(values_only=True))
    assert overdue[0][:3] == ("编号", "类别", "诉求人") and len(overdue) == 2
    assert overdue[1][0] == month["overdue"] and isinstance(overdue[1][7], int) and overdue[1][7] > 0


@pytest.mark.parametrize(
    ("role", "whose", "status"),
    [("gis", "village", 403), ("cadre", "township", 403), ("leader", "township", 200)],
)
def test_only_readers_of_every_demand_in_the_area_get_the_report(client, login, county, role, whose, status):
    login(role)
    code = cadre_village(county) if whose == "village" else cadre_village(county)[:9] + "000"
    assert report(client, code).status_code == status


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "12/2026"}, "month"),
        ({"month": "2999-01"}, "month"),
        ({"format": "docx"}, "format"),
        ({"code": "52"}, "code"),
    ],
)
def test_a_bad_month_format_or_code_is_a_400_naming_it(client, login, county, args, named):
    login("admin")
    response = client.get(
        "/demands/report",
        query_string={"code": cadre_village(county), **args},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400 and named in response.get_json()["message"]


def test_the_area_page_and_the_demands_list_offer_the_report_in_one_click(client, login, county):
    login("leader")
    code = cadre_village(county)
    area = client.get(f"/areas/{code}").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/demands/report".*?</form>', area, re.S)
    assert form and "民情分析会报告" in form[0] and f'name="code" value="{code}"' in form[0]
    listed = client.get(f"/demands?village={code}").get_data(as_text=True)
    assert "民情分析会报告" in listed and f'name="code" value="{code}"' in listed
    log_out(client)
    login("gis")
    assert "民情分析会报告" not in client.get(f"/areas/{code}").get_data(as_text=True)


# --- the leaders' figures on the dashboard ---------------------------------------------------


def trend_row(page: str, month: str) -> dict:
    row = re.search(rf'<tr data-month="{month}".*?</tr>', page, re.S)[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    return {"raised": cells[1], "solved": cells[2], "satisfaction": cells[3], "overdue": cells[4]}


def area_row(page: str, code: str) -> str:
    return re.search(rf'<tr data-code="{code}">.*?</tr>', page, re.S)[0]


@pytest.mark.parametrize(
    ("role", "solved", "satisfaction"),
    [("leader", "66.7%", "100.0%"), ("gis", "不公开", "不公开")],
)
def test_the_dashboard_shows_solved_share_satisfaction_and_overdue_by_month(
    client, login, county, month, role, solved, satisfaction
):
    log_out(client)
    login(role)
    village = quiet_village(county)
    township = township_of(village)
    county_page = client.get("/dashboard").get_data(as_text=True)
    assert "群众诉求办理情况" in county_page
    row = area_row(county_page, township)  # the county's townships, each drillable
    assert f'href="/dashboard?township={township}"' in row and solved in row
    page = client.get(f"/dashboard?township={township}").get_data(as_text=True)
    this_month = f"{datetime.date.today():%Y-%m}"
    assert trend_row(page, this_month) == {
        "raised": "3",
        "solved": solved,
        "satisfaction": satisfaction,
        "overdue": "1",
    }
    last = f"{_last_month_day():%Y-%m}"
    assert trend_row(page, last)["raised"] == "1" and trend_row(page, last)["overdue"] == "1"
    row = area_row(page, village)  # the township's villages
    assert f'href="/areas/{village}"' in row and "<polyline" in row
    assert re.search(r'class="num overdue">1<', row)


def test_the_figures_follow_a_rating_given_after_they_were_shown(client, login, county, month):
    page = f"/dashboard?township={township_of(quiet_village(county))}"
    this_month = f"{datetime.date.today():%Y-%m}"
    log_out(client)
    login("leader")
    assert trend_row(client.get(page).get_data(as_text=True), this_month)["satisfaction"] == "100.0%"
    log_out(client)
    login("admin")
    assert act(client, month["answered"], "close", rating="not_satisfied").status_code == 302
    log_out(client)
    login("leader")
    assert trend_row(client.get(page).get_data(as_text=True), this_month)["satisfaction"] == "50.0%"
