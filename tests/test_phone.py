"""A cadre's phone (390 × 844): the login fits, the map takes the whole width, the panel is a drawer."""

import pytest

# The browser and the live server are test_browser's fixtures, shared rather than started twice over.
from tests.test_browser import browser, log_in, server  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, server):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=3, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_the_login_page_is_laid_out_for_the_phone(phone, server):  # noqa: F811
    phone.goto(f"{server}/login")
    assert phone.evaluate("window.innerWidth") == PHONE["width"]  # a viewport, not a shrunken desktop page
    field = box(phone, "input[name=username]")
    assert field["width"] >= 300 and field["x"] >= 8 and field["x"] + field["width"] <= PHONE["width"] - 8
    assert phone.evaluate("parseFloat(getComputedStyle(document.querySelector('input')).fontSize)") >= 16


@pytest.mark.parametrize("level", ["county", "natural_village"])
def test_the_map_fills_the_phone_and_the_panel_opens_as_a_drawer(
    phone,
    server,  # noqa: F811
    accounts,
    county,
    level,
    tmp_path,
):
    log_in(phone, server, accounts, "cadre")
    if level == "county":
        phone.goto(f"{server}/?indicator=dibao")
    else:
        phone.goto(f"{server}/natural-villages/{sorted(county.natural_villages.code)[0]}")
    phone.wait_for_selector(".leaflet-container")
    page_width = phone.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], "the page scrolls sideways"
    map_box = box(phone, ".map-pane")
    assert map_box["width"] >= PHONE["width"] - 1 and map_box["height"] >= 500
    panel = box(phone, ".panel")
    assert panel["x"] + panel["width"] <= 0, "the panel covers the map before it is asked for"

    phone.click(".drawer-button")
    phone.wait_for_timeout(400)  # the drawer slides in
    panel = box(phone, ".panel")
    assert panel["x"] >= 0 and panel["width"] >= 300
    assert phone.locator(".panel h1").is_visible()
    phone.screenshot(path=str(tmp_path / f"phone-{level}.png"))
    phone.click(".drawer-button")
    phone.wait_for_timeout(400)
    assert box(phone, ".panel")["x"] + box(phone, ".panel")["width"] <= 0


def test_a_cadres_own_villages_fit_the_phone(phone, server, accounts):  # noqa: F811
    log_in(phone, server, accounts, "cadre")
    assert phone.url.endswith("/mine")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways"
    link = box(phone, ".my-village td a")
    assert link["height"] >= 16 and link["x"] >= 0


def test_a_cadre_opens_whom_they_still_have_to_visit_on_the_map(phone, server, accounts):  # noqa: F811
    log_in(phone, server, accounts, "cadre")
    phone.goto(f"{server}/work/overdue")
    due = int(phone.locator("[data-overdue]").get_attribute("data-overdue"))
    phone.click("#overdue-map-link")
    phone.wait_for_selector("path.mq-due")
    assert phone.locator("path.mq-due").count() == due > 0
    assert box(phone, ".leaflet-container")["width"] == PHONE["width"]  # the map takes the phone's width
    phone.locator("path.mq-due").first.dispatch_event("click")
    assert "/households/" in phone.locator(".leaflet-popup-content a").get_attribute("href")
