"""The pairing map of a village and help measures entered on the web (#11)."""

import datetime
import re

import pytest
from sqlalchemy import text

from app.extensions import db
from app.queries import stats
from tests import test_browser
from tests.conftest import cadre_village, csrf_token
from tests.test_phone import PHONE


def expected_status(county, work, village: str) -> dict[str, str]:
    """Return household code -> paired / ended / unpaired for the village, from the generated data."""
    today = datetime.date.today()
    households = county.households[county.households.code.str.startswith(village)]
    pairings = work.pairings[work.pairings.household_code.isin(households.code)]
    current = pairings[
        (pairings.start.map(lambda d: d <= today)) & pairings.end.map(lambda d: d is None or d > today)
    ]
    status = {}
    for h in households.itertuples():
        if h.code in set(current.household_code):
            status[h.code] = "paired"
        elif h.code in set(pairings.household_code):
            status[h.code] = "ended"
        elif h.poverty_status != "none":
            status[h.code] = "unpaired"
    return status


def counts_on(html: str) -> dict[str, int]:
    found = re.findall(r'<li data-status="(\w+)">.*?<span class="n">(\d+)</span>', html, re.S)
    return {status: int(n) for status, n in found}


def other_village(county) -> str:
    return sorted(county.admin_units.query("level == 'village'").code)[1]


def test_the_page_counts_each_status_and_lists_households_to_their_own_cadre(login, county, work):
    village = cadre_village(county)
    expected = expected_status(county, work, village)
    response = login("cadre").get(f"/work/pairing-map/{village}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert counts_on(html) == {s: list(expected.values()).count(s) for s in ("paired", "unpaired", "ended")}
    assert counts_on(html)["paired"] > 0
    paired = next(code for code, s in expected.items() if s == "paired")
    assert paired in html


def test_a_cadre_of_another_village_gets_counts_only(login, county, work):
    village = other_village(county)
    expected = expected_status(county, work, village)
    html = login("cadre").get(f"/work/pairing-map/{village}").get_data(as_text=True)
    assert "仅显示户数" in html
    assert counts_on(html)["paired"] == list(expected.values()).count("paired")
    assert 'id="mq-pairing"' not in html
    assert not any(code in html for code in expected), "a household of another village is named"


@pytest.mark.parametrize(
    ("path", "status"), [("/work/pairing-map/12345", 400), ("/work/pairing-map/999999999999", 404)]
)
def test_a_bad_village_code_is_refused(login, path, status):
    assert login("leader").get(path).status_code == status


def poor_household(county, village: str) -> str:
    households = county.households[county.households.code.str.startswith(village)]
    return sorted(households[households.poverty_status != "none"].code)[0]


def village_value(client, village: str, natural_village: str) -> str:
    """Return the measures-done value the village page shows for one natural village."""
    html = client.get(f"/areas/{village}?indicator=measures_done").get_data(as_text=True)
    link = rf'href="/natural-villages/{natural_village}\?[^"]*">[^<]*</a></td>'
    row = re.search(link + "(.*?)</tr>", html, re.S)
    assert row, "the natural village is not in the village's table"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()


def measures_of(code: str) -> dict[str, str]:
    rows = db.session.execute(
        text("""SELECT m.kind, m.status FROM measure m JOIN household h ON h.id = m.household_id
                WHERE h.code = :c"""),
        {"c": code},
    ).all()
    return dict(rows)


def test_a_measure_entered_through_the_form_moves_measures_done_on_the_village_page(login, county, app, work):
    village = cadre_village(county)
    measures = work.measures[work.measures.household_code.str.startswith(village)]
    code = sorted(measures[measures.status != "done"].household_code)[0]
    client = login("cadre")
    card = client.get(f"/households/{code}").get_data(as_text=True)
    assert f'href="/work/measures/{code}"' in card
    before = village_value(client, village, code[:14])
    form = client.get(f"/work/measures/{code}").get_data(as_text=True)
    assert "帮扶措施" in form and "产业扶持" in form
    today = datetime.date.today().isoformat()
    fields = {"csrf_token": csrf_token(form)}
    for kind in ("pairing", "industry", "education", "housing", "relocation", "infrastructure"):
        fields |= {f"status_{kind}": "done", f"on_{kind}": today}
    response = client.post(f"/work/measures/{code}", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "帮扶措施已保存" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert village_value(client, village, code[:14]) != before
    card = client.get(f"/households/{code}").get_data(as_text=True)
    assert re.search(r'<tr data-kind="industry"><td>产业扶持</td><td>已完成</td><td>' + today, card)
    with app.app_context():
        assert set(measures_of(code).values()) == {"done"}
        event = db.session.execute(
            text("SELECT username, detail FROM audit_event WHERE action = 'record_measures' AND target = :c"),
            {"c": code},
        ).one()
    assert event.username == "test-cadre" and len(event.detail["measures"]) == 6


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status_industry": "finished", "on_industry": "2026-01-05"}, "未知状态"),
        ({"status_industry": "done", "on_industry": "2999-01-01"}, "措施日期不能晚于今天"),
        ({"status_industry": "done", "on_industry": "5/1/2026"}, "措施日期格式应为"),
        ({}, "请至少为一项措施选择状态"),
    ],
)
def test_a_wrong_measure_is_refused_in_chinese(login, county, app, fields, message):
    code = poor_household(county, cadre_village(county))
    client = login("cadre")
    with app.app_context():
        before = measures_of(code)
    form = client.get(f"/work/measures/{code}").get_data(as_text=True)
    response = client.post(f"/work/measures/{code}", data={"csrf_token": csrf_token(form), **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert measures_of(code) == before


def test_measures_are_for_poor_households_only(login, county):
    households = county.households[county.households.code.str.startswith(cadre_village(county))]
    code = sorted(households[households.poverty_status == "none"].code)[0]
    client = login("admin")
    form = client.get(f"/work/measures/{code}").get_data(as_text=True)
    assert "帮扶措施只针对贫困户填写" in form and 'id="measures-form"' not in form
    today = datetime.date.today().isoformat()
    fields = {"csrf_token": csrf_token(form), "status_industry": "done", "on_industry": today}
    response = client.post(f"/work/measures/{code}", data=fields)
    assert response.status_code == 400 and "帮扶措施只针对贫困户填写" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["leader", "gis", "cadre"])
def test_only_admins_and_the_villages_cadres_enter_measures(login, county, role):
    village = cadre_village(county) if role != "cadre" else other_village(county)
    code = poor_household(county, village)
    client = login(role)
    assert client.get(f"/work/measures/{code}").status_code == 403
    assert f'href="/work/measures/{code}"' not in client.get(f"/households/{code}").get_data(as_text=True)


# Browser fixtures shared with the other browser tests, not made twice over.
browser, server, page = test_browser.browser, test_browser.server, test_browser.page


@pytest.mark.browser
def test_the_browser_draws_a_dot_per_household_and_a_line_per_pairing(
    page, server, accounts, county, work, tmp_path
):
    village = cadre_village(county)
    expected = expected_status(county, work, village)
    test_browser.log_in(page, server, accounts, "leader")
    page.goto(f"{server}/work/pairing-map/{village}")
    page.wait_for_selector("path.mq-pair")
    for status in ("paired", "unpaired", "ended"):
        drawn = page.locator(f"path.mq-pair-{status}").count()
        assert drawn == list(expected.values()).count(status), status
    assert page.locator("path.mq-pair-line").count() >= page.locator("path.mq-pair-paired").count() > 0
    page.screenshot(path=str(tmp_path / "pairing-map.png"))
    assert page.outside == []

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("path.mq-pair")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways"
    page.click("label.drawer-button")
    page.wait_for_selector("#pairing-counts:visible")
    page.screenshot(path=str(tmp_path / "pairing-map-phone.png"))


def test_a_household_whose_only_pairing_ends_shows_as_ended(login, county, work, app):
    village = cadre_village(county)
    expected = expected_status(county, work, village)
    paired = work.pairings[
        work.pairings.household_code.isin([c for c, s in expected.items() if s == "paired"])
    ]
    code = sorted(paired.household_code.drop_duplicates(keep=False))[0]  # paired once, ever
    with app.app_context():
        db.session.execute(
            text("""UPDATE pairing SET valid = daterange(lower(valid), current_date)
                    WHERE household_id = (SELECT id FROM household WHERE code = :c)"""),
            {"c": code},
        )
        db.session.commit()  # into the test's transaction, rolled back at its end
    html = login("leader").get(f"/work/pairing-map/{village}").get_data(as_text=True)
    before = {s: list(expected.values()).count(s) for s in ("paired", "unpaired", "ended")}
    assert counts_on(html) == before | {"paired": before["paired"] - 1, "ended": before["ended"] + 1}
    feature = re.search(rf'"code": "{code}"[^}}]*"status": "(\w+)"', html)
    assert feature and feature.group(1) == "ended"


@pytest.fixture
def phone_page(browser, server, app, county, work):
    """A phone-sized page, and a household of the test cadre's village whose measures it restores after."""
    village = cadre_village(county)
    measures = work.measures[work.measures.household_code.str.startswith(village)]
    code = sorted(measures[measures.status != "done"].household_code)[-1]
    keep = "SELECT household_id, kind, status, status_on, note FROM measure"
    where = "WHERE household_id = (SELECT id FROM household WHERE code = :c)"
    with app.app_context():
        db.session.execute(text(f"CREATE TABLE kept_measure AS {keep} {where}"), {"c": code})
        db.session.commit()
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2, is_mobile=True)
    yield context.new_page(), code
    context.close()
    # Browser tests commit: put the household's measures back as they were.
    with app.app_context():
        db.session.execute(text(f"DELETE FROM measure {where}"), {"c": code})
        restore = "INSERT INTO measure (household_id, kind, status, status_on, note) "
        db.session.execute(text(restore + keep.replace("measure", "kept_measure")))
        db.session.execute(text("DROP TABLE kept_measure"))
        stats.refresh()
        db.session.commit()


@pytest.mark.browser
def test_a_cadre_enters_a_measure_on_the_phone(phone_page, server, accounts, tmp_path):
    page, code = phone_page
    test_browser.log_in(page, server, accounts, "cadre")
    page.goto(f"{server}/households/{code}")
    page.click("#measures-link")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the measures form scrolls sideways"
    # The date field stops a future date in the browser (max); the server refuses it too (above).
    assert page.get_attribute("input[name=on_housing]", "max") >= datetime.date.today().isoformat()
    page.fill("input[name=on_housing]", datetime.date.today().isoformat())
    page.select_option("select[name=status_housing]", "done")
    page.click("#measures-form button[type=submit]")
    page.wait_for_selector("#saved:has-text('帮扶措施已保存')")
    page.screenshot(path=str(tmp_path / "measures-phone.png"), full_page=True)
    page.goto(f"{server}/households/{code}")
    assert page.locator("#household-measures tr[data-kind=housing] td").nth(1).inner_text() == "已完成"
