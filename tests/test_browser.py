"""A real browser logs in and sees the county map draw, with no network beyond this machine."""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(app):
    """Serve the app on a free loopback port in a thread."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A fresh page whose requests may reach only our server; anything else is refused and recorded."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.outside = []

    def only_local(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    yield page
    context.close()


def test_a_leader_logs_in_and_the_map_draws_every_natural_village(page, server, accounts, county, tmp_path):
    username, password = accounts["leader"]
    page.goto(f"{server}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector(".leaflet-overlay-pane path")
    drawn = page.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
    assert drawn == len(county.natural_villages)
    assert page.locator(".mq-label").count() == len(county.admin_units.query("level == 'township'"))
    assert "全县概览" in page.title()
    page.select_option("select[name=indicator]", "left_behind_children")
    page.wait_for_selector("text=图例: 留守儿童户")
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == drawn
    page.screenshot(path=str(tmp_path / "overview.png"))
    assert page.outside == []
