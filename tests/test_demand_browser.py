"""A cadre registers a demand in a real browser and follows it to a satisfied close (#12)."""

import pytest

from tests.conftest import cadre_village

# The browser and the live server are test_browser's fixtures, shared rather than started twice over.
from tests.test_browser import browser, log_in, page, server  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_cadre_registers_a_demand_and_closes_it_with_a_rating(page, server, accounts, county):  # noqa: F811
    log_in(page, server, accounts, "cadre")
    households = county.households.sort_values("code")
    household = households[households.code.str.startswith(cadre_village(county))].iloc[-1]
    page.goto(f"{server}/demands/new")
    assert "登记诉求" in page.title()
    page.fill("input[name=household]", household.code)
    page.check("input[name=channel][value=visit]")
    page.select_option("select[name=kind]", label="住房")
    page.fill("textarea[name=description]", "屋顶漏雨，申请危房改造")
    page.click("#demand-form button[type=submit]")
    page.wait_for_selector("#state[data-state=registered]")
    assert page.locator("#description").inner_text() == "屋顶漏雨，申请危房改造"

    def take(action: str, label: str):
        form = page.locator(f"form.demand-action[data-action={action}]")
        if action == "assign":
            form.locator("select[name=assignee_kind]").select_option(label="县直部门")
            form.locator("input[name=assignee]").fill("县住建局")
        if action == "close":
            form.locator("select[name=rating]").select_option(label="基本满意")
        form.locator("button").click()
        page.wait_for_selector(f"#state:text-is('{label}')")

    for action, label in [
        ("accept", "已受理"),
        ("assign", "已交办"),
        ("progress", "办理中"),
        ("answer", "已答复"),
        ("close", "已办结"),
    ]:
        take(action, label)
    assert page.locator("#rating").inner_text() == "基本满意"
    timeline = page.locator("ol.timeline li").all_inner_texts()
    assert len(timeline) == 6 and "县住建局" in timeline[2]
    assert [
        a for a in page.locator("form.demand-action").evaluate_all("fs => fs.map(f => f.dataset.action)")
    ] == ["reopen"]
    # The natural village's map draws it as a point coloured as closed, linking back to the demand.
    page.goto(f"{server}/natural-villages/{household.natural_village_code}")
    page.wait_for_selector("path.mq-demand-closed")
    page.locator("path.mq-demand-closed").last.dispatch_event("click")
    assert "已办结" in page.locator(".leaflet-popup-content").inner_text()
    assert page.outside == []
