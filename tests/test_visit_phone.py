"""The visit form on a phone (390 × 844), with and without signal (#11): nothing lost, nothing sent twice."""

import pytest
from sqlalchemy import text

from app.extensions import db
from tests import test_browser, test_visit_form
from tests.test_browser import log_in
from tests.test_phone import PHONE

# Fixtures shared with the other browser tests and the form's tests, not made twice over.
browser, server, mine = test_browser.browser, test_browser.server, test_visit_form.mine

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, server, app):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=3, is_mobile=True)
    page = context.new_page()
    yield context, page
    context.close()
    # Browser tests commit: take this test's visits away again (the triggers recompute coverage).
    with app.app_context():
        db.session.execute(text("DELETE FROM visit WHERE source = 'form'"))
        db.session.commit()


def visits_of(app, code: str) -> list:
    with app.app_context():
        return db.session.execute(
            text("""SELECT v.uid, v.findings FROM visit v JOIN household h ON h.id = v.household_id
                    WHERE h.code = :code AND v.source = 'form' ORDER BY v.id"""),
            {"code": code},
        ).all()


def fill(page, code: str, findings: str) -> None:
    page.fill("input[name=household]", code)
    page.check("input[name=ticks][value=drinking_water]")
    page.fill("textarea[name=findings]", findings)
    page.click("#visit-form button[type=submit]")


def queued(page) -> int:
    return page.evaluate("JSON.parse(localStorage.getItem('minqing-visit-queue') || '[]').length")


def test_a_visit_typed_with_no_signal_is_sent_once_when_it_returns(
    phone, server, accounts, app, mine, tmp_path
):
    context, page = phone
    code = mine[0].code
    log_in(page, server, accounts, "cadre")
    page.goto(f"{server}/work/visits/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        "the form scrolls sideways"
    )
    field = page.locator("input[name=household]").bounding_box()
    assert field["width"] >= 300 and field["x"] + field["width"] <= PHONE["width"]

    fill(page, code, "有信号时记录")
    page.wait_for_selector("#saved:has-text('走访已保存')")
    assert [v.findings for v in visits_of(app, code)] == ["有信号时记录"]

    context.set_offline(True)
    fill(page, code, "无信号时记录")
    page.wait_for_selector("#pending:visible")
    assert queued(page) == 1 and len(visits_of(app, code)) == 1
    page.screenshot(path=str(tmp_path / "visit-offline.png"))

    context.set_offline(False)
    page.wait_for_selector("#pending", state="hidden", timeout=30_000)
    assert queued(page) == 0
    assert [v.findings for v in visits_of(app, code)] == ["有信号时记录", "无信号时记录"]


def test_a_visit_whose_answer_is_lost_is_sent_again_and_stored_once(phone, server, accounts, app, mine):
    _, page = phone
    code = mine[0].code
    log_in(page, server, accounts, "cadre")
    page.goto(f"{server}/work/visits/new")
    lost = []

    def lose_the_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server gets it and stores it …
            lost.append(route.request.url)
            route.abort()  # … and the phone never hears back
        else:
            route.continue_()

    page.route("**/work/visits", lose_the_answer)
    fill(page, code, "回复丢失")
    for _ in range(300):  # the route handler runs while Playwright waits
        if lost:
            break
        page.wait_for_timeout(100)
    assert lost and queued(page) == 1  # the phone never heard back: the visit stays queued
    assert len(visits_of(app, code)) == 1
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#pending", state="hidden", timeout=30_000)
    assert lost and len(visits_of(app, code)) == 1


def test_a_household_that_does_not_exist_is_told_in_chinese_and_the_form_refilled(
    phone, server, accounts, app
):
    _, page = phone
    log_in(page, server, accounts, "cadre")
    page.goto(f"{server}/work/visits/new")
    fill(page, "52269999999999999", "找不到的户")
    page.wait_for_selector("#problems li[data-field=household]:has-text('没有该户号')")
    assert page.input_value("textarea[name=findings]") == "找不到的户"
    assert queued(page) == 0
