"""The household file over time (#13): versions kept by the database, "as of" a date, the card's timeline."""

import datetime
import io
import itertools
import re
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from app import versions
from app.extensions import db
from tests.test_drilldown import layer
from tests.test_import_page import _run, _upload
from tests.test_imports import rows_of, write_xlsx

COUNTY_ZONE = ZoneInfo("Asia/Shanghai")  # the test app's TIME_ZONE


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_FOLDER", str(tmp_path / "uploads"))


def _versions(code: str) -> list[dict]:
    rows = db.session.execute(
        text("""
        SELECT lower(v.valid) AS since, upper(v.valid) AS until, v.actor_id, v.source,
               v.poverty_status, v.income_per_capita, v.head_name
        FROM household_history v JOIN household h ON h.id = v.id
        WHERE h.code = :code ORDER BY lower(v.valid)"""),
        {"code": code},
    ).mappings()
    return [dict(r) for r in rows]


def _user_id(username: str) -> int:
    query = text("SELECT id FROM app_user WHERE username = :u")
    return db.session.execute(query, {"u": username}).scalar_one()


def test_the_generated_county_has_five_years_of_versions(app_context, county):
    code = county.households.code.iloc[0]
    found = _versions(code)
    local = [v["since"].astimezone(COUNTY_ZONE) for v in found]
    assert [moment.year for moment in local] == [2021, 2022, 2023, 2024, 2025]
    assert local[0] == datetime.datetime(2021, 1, 1, tzinfo=COUNTY_ZONE)  # midnight in the county
    assert all(a["until"] == b["since"] for a, b in itertools.pairwise(found))  # no gaps, no overlaps
    assert found[-1]["until"] is None  # the current one
    assert found[-1]["income_per_capita"] == county.households.income_per_capita.iloc[0]
    assert found[0]["income_per_capita"] < found[-1]["income_per_capita"]  # incomes grew


def test_some_households_were_lifted_and_a_few_fell_back(app_context):
    changes = dict(
        db.session.execute(
            text("""
            SELECT a.poverty_status || '>' || b.poverty_status, count(*)
            FROM household_history a
            JOIN household_history b ON b.id = a.id AND lower(b.valid) = upper(a.valid)
            WHERE a.poverty_status <> b.poverty_status GROUP BY 1""")
        ).all()
    )
    assert changes.get("registered>lifted", 0) >= 10
    assert 3 <= changes.get("lifted>monitored", 0) < changes["registered>lifted"]
    assert changes.get("monitored>none", 0) >= 3  # risk removed


def test_any_write_keeps_a_version_with_who_and_from_where(app_context, county):
    code = county.households.code.iloc[1]
    before = _versions(code)
    admin = _user_id("test-admin")
    with versions.acting(admin, "cli:test"):
        db.session.execute(text("UPDATE household SET income_per_capita = 1 WHERE code = :c"), {"c": code})
        db.session.execute(text("UPDATE household SET members = members WHERE code = :c"), {"c": code})
    after = _versions(code)
    assert len(after) == len(before) + 1  # the rewrite of the same value is no version
    assert after[-2]["until"] == after[-1]["since"] and after[-1]["until"] is None
    latest = after[-1]
    assert (latest["actor_id"], latest["source"], latest["income_per_capita"]) == (admin, "cli:test", 1)
    assert after[-2]["income_per_capita"] == before[-1]["income_per_capita"]


def test_a_write_by_psql_is_kept_too_and_a_deleted_household_keeps_its_past(app_context, county):
    code = county.households.code.iloc[2]
    household_id = db.session.execute(text("SELECT id FROM household WHERE code = :c"), {"c": code}).scalar()
    db.session.execute(
        text("SELECT set_config('minqing.source', '', true), set_config('minqing.actor', '', true)")
    )
    db.session.execute(text("DELETE FROM household WHERE code = :c"), {"c": code})
    kept = db.session.execute(
        text("SELECT count(*), bool_and(NOT upper_inf(valid)) FROM household_history WHERE id = :id"),
        {"id": household_id},
    ).one()
    assert kept == (5, True)


def test_a_web_import_keeps_a_version_naming_the_user_and_the_job(app, client, login, tmp_path, county):
    login("admin")
    rows = rows_of(county, 2, new=False)
    rows[0]["人均纯收入（元）"] = 54321
    path = write_xlsx(tmp_path / "收入更新.xlsx", rows)
    done = _run(client, _upload(client, path).get_data(as_text=True))
    assert done.status_code == 200
    with app.app_context():
        latest = _versions(rows[0]["户编号"])[-1]
        assert latest["income_per_capita"] == 54321
        assert latest["actor_id"] == _user_id("test-admin")
        assert latest["source"].startswith("job:") and latest["source"].endswith(":import:收入更新.xlsx")
        unchanged = _versions(rows[1]["户编号"])[-1]
        assert unchanged["source"] == "demo"  # the second row changed nothing: no version


# --- as of a date -------------------------------------------------------------------------------

AS_OF = datetime.date(2022, 6, 30)


@pytest.fixture(scope="module")
def history(county):
    from geodata.history import generate_history
    from tests.conftest import TEST_SEED

    return generate_history(county, seed=TEST_SEED)


def statuses_on(history, day: datetime.date) -> pd.Series:
    """Return each household's poverty status on `day` as the generator made it: code → status."""
    held = history.versions[history.versions.valid_from.dt.date <= day]
    return held.groupby("code").poverty_status.last()


def township(county) -> str:
    return sorted(county.admin_units[county.admin_units.level == "township"].code)[0]


def test_a_township_map_as_of_a_past_day_counts_the_households_as_they_were(client, login, county, history):
    login("leader")
    code = township(county)
    then = statuses_on(history, AS_OF)
    then = then[then.index.str.startswith(code[:9])]
    now = client.get(f"/areas/{code}?indicator=lifted").get_data(as_text=True)
    page = client.get(f"/areas/{code}?indicator=lifted&as_of={AS_OF}").get_data(as_text=True)

    def counted(html: str) -> int:  # the map's values: {code: [share, count]}
        return sum(v[1] for v in layer(html, "mq-values")["areas"].values() if v)

    lifted = counted(page)
    assert lifted == int((then == "lifted").sum())
    assert lifted < counted(now)
    # Switching the indicator in a past view asks for the past values (the page does not reload).
    switched = client.get(f"/areas/{code}/values.json?indicator=lifted&as_of={AS_OF}").json["areas"]
    assert sum(v[1] for v in switched.values() if v) == lifted
    assert "截至 2022-06-30" in page and "截至 2022" not in now
    # The table's total is the past one too, and its links keep the day.
    total = re.search(r'<tr class="total">.*?</tr>', page, re.S).group(0)
    assert f"{lifted:,}" in total
    link = rf'href="/areas/\d{{12}}\?indicator=lifted&amp;classes=quantile&amp;as_of={AS_OF}"'
    assert re.search(link, page)


def test_the_household_card_as_of_a_past_day_shows_its_old_status(client, login, county, history):
    login("leader")
    then, now = statuses_on(history, AS_OF), county.households.set_index("code").poverty_status
    code = sorted(then.index[(then == "registered") & (now.reindex(then.index) == "lifted")])[0]
    past = client.get(f"/households/{code}?as_of={AS_OF}").get_data(as_text=True)
    today = client.get(f"/households/{code}").get_data(as_text=True)
    assert "<dt>贫困属性</dt><dd>未脱贫户</dd>" in past and "截至 2022-06-30" in past
    assert "<dt>贫困属性</dt><dd>已脱贫户</dd>" in today and 'id="as-of"' not in today
    assert re.search(r"<dt>脱贫年份</dt><dd>20\d\d</dd>", today)
    assert "<dt>脱贫年份</dt><dd>–</dd>" in past  # not lifted yet then


def test_a_household_not_yet_on_file_is_not_found_as_of_before(client, login, county):
    login("leader")
    code = county.households.code.iloc[0]
    assert client.get(f"/households/{code}?as_of=2020-12-31").status_code == 404


@pytest.mark.parametrize("value", ["2022-13-01", "yesterday", "2022-6-30", "9999-01-01", "20220630"])
@pytest.mark.parametrize(
    "path", ["/areas/{township}", "/households/{household}", "/", "/export/households.csv"]
)
def test_a_bad_or_future_as_of_is_refused_naming_it(client, login, county, value, path):
    login("leader")
    url = path.format(township=township(county), household=county.households.code.iloc[0])
    response = client.get(f"{url}?as_of={value}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "as_of" in response.get_data(as_text=True)


def test_the_card_shows_the_timeline_with_who_from_where_and_what_changed(client, login, county, history):
    login("leader")
    then, now = statuses_on(history, AS_OF), county.households.set_index("code").poverty_status
    code = sorted(then.index[(then == "registered") & (now.reindex(then.index) == "lifted")])[0]
    page = client.get(f"/households/{code}").get_data(as_text=True)
    timeline = re.search(r'<ol class="timeline" id="household-versions">(.*?)</ol>', page, re.S).group(1)
    entries = re.findall(r"<li><span class=\"when\">(.*?)</span>", timeline)
    assert len(entries) == 5 and entries == sorted(entries, reverse=True)  # newest first
    assert entries[-1] == "2021-01-01 00:00"  # county time, not UTC
    assert "贫困属性: 未脱贫户 → 已脱贫户" in timeline
    assert "人均纯收入（元）: " in timeline and "年度动态调整" in timeline and "录入档案" in timeline


def test_a_web_import_shows_on_the_card_with_the_user_and_the_file(app, client, login, tmp_path, county):
    login("admin")
    rows = rows_of(county, 1, new=False)
    before = rows[0]["人均纯收入（元）"]
    rows[0]["人均纯收入（元）"] = 65432
    path = write_xlsx(tmp_path / "复核.xlsx", rows)
    _run(client, _upload(client, path).get_data(as_text=True))
    page = client.get(f"/households/{rows[0]['户编号']}").get_data(as_text=True)
    newest = re.search(r'id="household-versions">\s*<li>(.*?)</li>\s*</ul>', page, re.S).group(1)
    assert "test-admin" in newest and re.search(r"导入 复核.xlsx（任务 \d+）", newest)
    assert f"人均纯收入（元）: {before:,} → 65,432" in newest


def test_the_csv_and_xlsx_exports_as_of_a_past_day_hold_the_old_values(client, login, county, history):
    login("leader")
    then = statuses_on(history, AS_OF)
    response = client.get(f"/export/households.csv?as_of={AS_OF}")
    assert response.status_code == 200
    assert "asof20220630" in response.headers["Content-Disposition"]
    table = pd.read_csv(io.BytesIO(response.data), dtype={"code": str}, encoding="utf-8-sig")
    assert len(table) == len(then)
    exported = table.set_index("code").poverty_status.sort_index()
    assert exported.equals(then.sort_index().rename("poverty_status"))

    response = client.get(f"/export/households.xlsx?as_of={AS_OF}")
    sheet = load_workbook(io.BytesIO(response.data))["农户"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    code, status = header.index("户编码"), header.index("贫困属性")
    exported = {str(row[code]): row[status] for row in sheet.iter_rows(min_row=2, values_only=True)}
    words = {"none": "一般户", "registered": "未脱贫户", "lifted": "已脱贫户", "monitored": "监测户"}
    assert exported == {c: words[s] for c, s in then.items()}
    now = county.households.set_index("code").poverty_status
    assert (now.reindex(then.index) != then).sum() > 10  # the past differs from today


def test_a_web_request_writes_as_its_logged_in_user_from_its_page(app, county):
    """What a form of the site writes (none edits households yet: #13 item 1 will) names its user and page."""
    from flask import g

    from app.auth import Principal
    from app.models import User

    code = county.households.code.iloc[3]
    with app.test_request_context(f"/work/measures/{code}", method="POST"):
        user = db.session.scalars(select(User).where(User.username == "test-leader")).one()
        g._login_user = Principal.of(user)
        versions.identify()
        db.session.execute(text("UPDATE household SET dibao = NOT dibao WHERE code = :c"), {"c": code})
        latest = _versions(code)[-1]
    assert (latest["actor_id"], latest["source"]) == (user.id, "web:work.save_measures")


def test_a_member_row_is_versioned_too(app_context, county):
    household = db.session.execute(
        text("SELECT id FROM household WHERE code = :c"), {"c": county.households.code.iloc[4]}
    ).scalar_one()
    with versions.acting(None, "cli:test"):
        member = db.session.execute(
            text("""INSERT INTO member (household_id, name, relation, sex)
                    VALUES (:h, '王小花', 'daughter', 'F') RETURNING id"""),
            {"h": household},
        ).scalar_one()
        db.session.execute(text("UPDATE member SET relation = 'granddaughter' WHERE id = :m"), {"m": member})
    rows = db.session.execute(
        text("SELECT relation, source, upper_inf(valid) FROM member_history WHERE id = :m ORDER BY valid"),
        {"m": member},
    ).all()
    assert [tuple(r) for r in rows] == [("daughter", "cli:test", False), ("granddaughter", "cli:test", True)]


def test_a_natural_village_as_of_a_past_day_draws_its_households_as_they_were(client, login, county, history):
    login("leader")
    then = statuses_on(history, AS_OF)
    words = {"none": "一般户", "registered": "未脱贫户", "lifted": "已脱贫户", "monitored": "监测户"}
    changed = county.households.set_index("code").poverty_status.reindex(then.index) != then
    nv = county.households.set_index("code").natural_village_code[changed[changed].index[0]]
    page = client.get(f"/natural-villages/{nv}?as_of={AS_OF}").get_data(as_text=True)
    drawn = {f["id"]: f["properties"]["poverty_status"] for f in layer(page, "mq-households")["features"]}
    assert drawn == {code: words[then[code]] for code in then.index if code.startswith(nv)}
    assert "截至 2022-06-30" in page and f"/households/{{code}}?as_of={AS_OF}" in page
    lifted = re.search(r'<tr><td>已脱贫户</td>\s*<td class="num">(\d+)</td>', page).group(1)
    assert int(lifted) == sum(status == "已脱贫户" for status in drawn.values())


def test_the_dashboard_says_how_each_total_changed_since_a_chosen_day(client, login, county, history):
    login("leader")
    then = statuses_on(history, AS_OF)
    now = county.households.set_index("code").poverty_status
    html = client.get(f"/dashboard?since={AS_OF}").get_data(as_text=True)
    card = re.search(r'<li data-indicator="lifted">(.*?)</li>', html, re.S).group(1)
    change = int((now == "lifted").sum()) - int((then == "lifted").sum())
    assert f"较 {AS_OF}: {change:+,}" in card and change > 0
    assert client.get("/dashboard?since=2099-01-01").status_code == 400
    assert "since" in client.get("/dashboard?since=yesterday").get_data(as_text=True)


def test_the_one_page_summary_prints_the_totals_their_change_and_the_ranking(
    client, login, county, history, tmp_path
):
    import subprocess

    login("leader")
    html = client.get(f"/dashboard?since={AS_OF}&level=village&indicator=lifted").get_data(as_text=True)
    link = re.search(r'id="summary-pdf" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (tmp_path / "summary.pdf").write_bytes(response.data)
    pages = subprocess.run(["pdfinfo", tmp_path / "summary.pdf"], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\n", pages)
    text = subprocess.run(
        ["pdftotext", "-layout", tmp_path / "summary.pdf", "-"], capture_output=True, text=True
    ).stdout
    then = statuses_on(history, AS_OF)
    now = county.households.set_index("code").poverty_status
    change = int((now == "lifted").sum()) - int((then == "lifted").sum())
    assert "概况" in text and "已脱贫户" in text and f"{change:+,}" in text
    first = re.search(r"<tr[^>]*>\s*<td[^>]*>1</td>\s*<td[^>]*><a [^>]*>([^<]+)</a>", html)
    if first:  # the page's first village is the print's first too
        assert first.group(1) in text
