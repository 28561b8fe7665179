"""A real browser logs in and sees the county map draw, with no network beyond this machine."""

import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app import indicators
from tests.test_tiles import tile_of

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

# The main map's areas, not the corner overview's (which has its own map and panes).
AREAS = ".folium-map > .leaflet-map-pane .leaflet-overlay-pane path.leaflet-interactive"


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
    """A fresh page whose requests may reach only our server; anything else is refused and recorded.

    A test fails if the Content-Security-Policy refused anything the page tried (Chromium says so
    on the console), since that is a part of the map that silently does not work.
    """
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.outside = []
    refused = []

    def only_local(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    def csp(text: str):
        if "Content Security Policy" in text:
            refused.append(text)

    page.route("**/*", only_local)
    page.on("console", lambda message: csp(message.text))
    page.on("pageerror", lambda error: csp(str(error)))  # e.g. an EvalError the policy caused
    yield page
    context.close()
    assert refused == [], "the Content-Security-Policy refused:\n" + "\n".join(refused)


def test_a_leader_logs_in_and_the_map_draws_every_natural_village(page, server, accounts, county, tmp_path):
    username, password = accounts["leader"]
    page.goto(f"{server}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    # The outlines come as their own request (kept by the browser until the data change).
    page.wait_for_function(f"document.querySelectorAll({AREAS!r}).length >= {len(county.natural_villages)}")
    drawn = page.locator(AREAS).count()
    assert drawn == len(county.natural_villages)
    assert page.locator(".mq-label").count() == len(county.admin_units.query("level == 'township'"))
    west, south, east, north = county.admin_units.query("level == 'county'").total_bounds
    shows_all = f"MinqingMap.map.getBounds().contains([[{south}, {west}], [{north}, {east}]])"
    assert page.evaluate(shows_all), "the first view does not show the whole county"
    for control in ("zoom-fullscreen", "measure", "locate", "minimap"):
        assert page.locator(f".leaflet-control-{control}").count() == 1, control
    assert "全县概览" in page.title()
    page.select_option("select[name=indicator]", "left_behind_children")
    page.wait_for_selector("text=图例: 留守儿童户")
    # The new page's map draws after its legend is in place: wait for it rather than count too soon.
    page.wait_for_function(f"document.querySelectorAll({AREAS!r}).length >= {drawn}")
    assert page.locator(AREAS).count() == drawn
    page.screenshot(path=str(tmp_path / "overview.png"))
    assert page.outside == []


def log_in(page, server, accounts, role):
    username, password = accounts[role]
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    # Let the login land before the test navigates on, or its next goto would cancel it.
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_cadre_drills_down_to_a_household_card_and_back(page, server, accounts, county, tmp_path):
    log_in(page, server, accounts, "cadre")
    page.wait_for_url("**/mine")  # a cadre starts at their own villages; the county is one click away
    page.click("a:text-is('全县概览')")
    townships = county.admin_units[county.admin_units.level == "township"].sort_values("code")
    page.click(f"a:text-is('{townships.name.iloc[0]}')")  # the township's label on the map
    page.wait_for_url(f"**/areas/{townships.code.iloc[0]}*")
    village = sorted(county.admin_units[county.admin_units.parent_code == townships.code.iloc[0]].code)[0]
    page.click(f".panel a[href^='/areas/{village}']")
    page.wait_for_url(f"**/areas/{village}*")
    natural_villages = county.natural_villages[county.natural_villages.village_code == village]
    page.wait_for_function(f"document.querySelectorAll({AREAS!r}).length >= {len(natural_villages)}")
    assert page.locator(AREAS).count() == len(natural_villages)
    code = sorted(natural_villages.code)[0]
    page.click(f".panel a[href^='/natural-villages/{code}']")
    page.wait_for_url(f"**/natural-villages/{code}*")
    households = county.households[county.households.natural_village_code == code].sort_values("code")
    page.wait_for_selector(".mq-house")
    assert page.locator(".mq-house").count() == len(households)

    dibao = int(households.dibao.sum())
    assert page.locator(".mq-house .mq-f-dibao").count() == dibao
    # Each chip carries its flag's mark, as prints do, so flags are told apart without colour.
    assert {chip.inner_text() for chip in page.locator(".mq-house .mq-f-dibao").all()} <= {"低"}
    assert "低" in page.locator(".leaflet-control-layers-overlays label", has_text="低保户").inner_text()
    page.locator(".leaflet-control-layers-overlays label", has_text="低保户").locator("input").uncheck()
    assert all(not chip.is_visible() for chip in page.locator(".mq-house .mq-f-dibao").all())

    first = households.iloc[0]
    # Dispatched to this marker: in a dense hamlet a pointer click may land on a neighbour drawn above it.
    page.locator(f".leaflet-marker-icon[title='{first.code}']").dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert first.head_name in popup.inner_text() and first.id_number in popup.inner_text()
    # The popup pans the map into view; a click during that animation can be taken for a drag's end.
    page.wait_for_selector(".leaflet-map-pane.leaflet-pan-anim", state="detached")
    popup.locator("a", has_text="详情").click()
    page.wait_for_url(f"**/households/{first.code}")
    assert first.address in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "card.png"))
    page.go_back()
    page.wait_for_url(f"**/natural-villages/{code}*")
    page.wait_for_selector(".mq-house")
    assert page.outside == []


def test_zooming_in_on_the_county_draws_household_tiles(page, server, accounts, county, tmp_path):
    log_in(page, server, accounts, "leader")  # a leader starts on the dashboard
    page.goto(f"{server}/")
    page.wait_for_selector(".leaflet-overlay-pane path")
    row = county.households.sort_values("code").iloc[0]
    z, x, y = tile_of(row.geometry.x, row.geometry.y, 17)
    size = page.evaluate(
        f"fetch('/tiles/{z}/{x}/{y}.mvt').then((r) => r.arrayBuffer()).then((b) => b.byteLength)"
    )
    assert size > 0
    page.evaluate(
        f"() => {{ MinqingMap.map.setView([{row.geometry.y}, {row.geometry.x}], {z}, {{animate: false}}); }}"
    )
    # Natural villages are not drawn from the tiles (the page has them already): any paint is a household.
    page.wait_for_function(
        """() => [...document.querySelectorAll('.leaflet-tile-container canvas')].some((c) => {
               const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
               return false; })"""
    )
    # Each household's flags are chips of their colours (with their marks), as on the natural-village map.
    flagged = county.households[county.households.dibao]
    row = flagged.sort_values("code").iloc[0]
    page.evaluate(
        f"() => {{ MinqingMap.map.setView([{row.geometry.y}, {row.geometry.x}], 18, {{animate: false}}); }}"
    )
    pink = indicators.BY_KEY["dibao"].symbol.lstrip("#")
    rgb = [int(pink[i : i + 2], 16) for i in (0, 2, 4)]
    page.wait_for_function(
        """(rgb) => [...document.querySelectorAll('.leaflet-tile-container canvas')].some((c) => {
               const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               const near = (i) => [0, 1, 2].every((k) => Math.abs(d[i + k] - rgb[k]) < 8);
               let n = 0;
               for (let i = 0; i < d.length; i += 4) if (near(i)) n++;
               return n >= 10; })""",
        arg=rgb,
    )
    page.screenshot(path=str(tmp_path / "tiles.png"))
    assert page.outside == []


@pytest.mark.parametrize("role", ["leader", "gis"])
def test_a_household_popup_shows_what_the_role_may_see(page, server, accounts, county, role):
    log_in(page, server, accounts, role)
    row = county.households.sort_values("code").iloc[0]
    page.goto(f"{server}/natural-villages/{row.natural_village_code}")
    page.locator(f".leaflet-marker-icon[title='{row.code}']").dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert row.id_number not in text  # masked for a leader, absent for gis
    if role == "leader":
        assert row.head_name in text and row.address in text
        assert f"{row.id_number[:4]}**********{row.id_number[-4:]}" in text
    else:
        assert f"{row.head_name[0]}*" in text and row.head_name not in text
        assert row.address not in text and "身份证号" not in text and "留守儿童" not in text


def test_the_county_map_is_not_blank(page, server, accounts, tmp_path):
    from PIL import Image

    log_in(page, server, accounts, "gis")
    page.wait_for_selector(AREAS)
    shot = tmp_path / "map.png"
    page.locator(".folium-map").screenshot(path=str(shot))
    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1_000_000)
    # An empty map is one grey; a drawn one has the ramp's fills, outlines and labels.
    assert colours is not None and len(colours) > 50
    assert max(count for count, _ in colours) < 0.8 * sum(count for count, _ in colours)


def _legend(page) -> list[str]:
    return page.locator("#mq-legend li").all_inner_texts()


def test_switching_indicator_and_classes_redraws_in_place(page, server, accounts, county):
    log_in(page, server, accounts, "leader")  # a leader starts on the dashboard
    page.goto(f"{server}/")
    page.wait_for_function(f"document.querySelectorAll({AREAS!r}).length >= {len(county.natural_villages)}")
    page.evaluate("window.mqStillHere = true")  # a reload or a navigation would forget it
    dibao = indicators.BY_KEY["dibao"]
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    with page.expect_request(lambda r: "/values.json?indicator=dibao" in r.url):
        page.select_option("select[name=indicator]", "dibao")
    page.wait_for_selector(f"text=图例: {dibao.zh}")
    assert page.evaluate("window.mqStillHere") is True
    assert page.url.endswith("/?indicator=dibao&classes=quantile")  # a reload shows the same map
    assert dibao.zh in page.locator(".panel table.stats thead").inner_text()

    def drawn_matches_the_server(method: str) -> None:
        # The page's own classes are the ones the server draws for a fresh page of that choice.
        fresh = page.evaluate(
            """(url) => fetch(url).then((r) => r.text()).then((html) =>
                 [...new DOMParser().parseFromString(html, "text/html").querySelectorAll("#mq-legend li")]
                   .map((li) => li.innerText.replace(/\\s+/g, " ").trim()))""",
            f"/?indicator=dibao&classes={method}",
        )
        assert [" ".join(t.split()) for t in _legend(page)] == fresh
        counts = [int(n) for t in fresh for n in re.findall(r"\((\d+) 个自然寨\)", t)]
        assert sum(counts) == len(county.natural_villages)
        fills = page.evaluate(f"[...document.querySelectorAll({AREAS!r})].map((p) => p.getAttribute('fill'))")
        assert len(fills) == len(county.natural_villages) and len(set(fills)) == len(counts)

    drawn_matches_the_server("quantile")
    before = len([u for u in asked if "values.json" in u])
    quantiles = _legend(page)
    page.select_option("select[name=classes]", "jenks")
    page.wait_for_function(
        "(old) => document.querySelector('#mq-legend li').innerText !== old", arg=quantiles[0]
    )
    assert len([u for u in asked if "values.json" in u]) == before  # classes need no request at all
    assert page.evaluate("window.mqStillHere") is True and page.url.endswith("classes=jenks")
    drawn_matches_the_server("jenks")
    assert page.outside == []
