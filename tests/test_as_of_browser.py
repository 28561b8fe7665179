"""A leader views a township as of a past day in a real browser: the map draws that day's households (#13)."""

import mapbox_vector_tile
import pytest

from tests.test_as_of import history, lifted_since  # noqa: F401  (history: a fixture)

# The browser and the live server are test_browser's fixtures, shared rather than started twice over.
from tests.test_browser import browser, log_in, page, server  # noqa: F401
from tests.test_history import AS_OF, township
from tests.test_tiles import tile_of

pytestmark = pytest.mark.browser


def test_a_past_day_draws_its_household_tiles(page, server, accounts, county, history):  # noqa: F811
    log_in(page, server, accounts, "leader")
    code = lifted_since(county, history)
    row = county.households.set_index("code").loc[code]
    page.goto(f"{server}/areas/{township(county)}?as_of={AS_OF}")
    page.wait_for_selector("#as-of")
    z, x, y = tile_of(row.geometry.x, row.geometry.y, 17)
    with page.expect_response(lambda r: f"/tiles/{z}/{x}/{y}.mvt" in r.url and r.status == 200) as drawn:
        page.evaluate(
            f"() => MinqingMap.map.setView([{row.geometry.y}, {row.geometry.x}], {z}, {{animate: false}})"
        )
    response = drawn.value
    assert response.url.endswith(f".mvt?as_of={AS_OF}")
    # The same tile read again by the page (Playwright keeps no body of what VectorGrid fetched).
    body = page.evaluate(
        "(url) => fetch(url).then((r) => r.arrayBuffer()).then((b) => Array.from(new Uint8Array(b)))",
        response.url,
    )
    points = mapbox_vector_tile.decode(bytes(body))["households"]["features"]
    found = [p["properties"] for p in points if p["properties"]["code"] == code]
    assert found and found[0]["lifted"] is False and found[0]["registered_poor"] is True  # lifted later
    assert page.outside == []
