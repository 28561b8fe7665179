"""Chinese first in the browser: the household popup's order and labels, the map's metric scale bar."""

import pytest

from app import fields

# The browser and the live server are test_browser's fixtures, shared rather than started twice over.
from tests.test_browser import browser, log_in, page, server  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_popup_lists_fields_in_the_registry_order_with_chinese_labels(page, server, accounts, county):  # noqa: F811
    log_in(page, server, accounts, "leader")
    row = county.households.sort_values("code").iloc[0]
    page.goto(f"{server}/natural-villages/{row.natural_village_code}")
    page.locator(f".leaflet-marker-icon[title='{row.code}']").dispatch_event("click")
    page.locator(".leaflet-popup-content").wait_for()
    shown = page.locator(".leaflet-popup-content th").all_inner_texts()
    registry = [zh for zh, _ in fields.LABELS.values()]
    assert shown[:5] == ["户编码", "户主", "身份证号", "地址", "家庭人口"]
    assert shown == [label for label in registry if label in shown] and len(shown) >= 10
    # The map's scale bar is metric only: one line, in m or km, no miles or feet.
    scale = page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scale) == 1 and scale[0].split()[-1] in ("m", "km"), scale
