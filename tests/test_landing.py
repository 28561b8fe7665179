"""Where each role lands after logging in on a phone (390 × 844); how the header names the role (#12, #13)."""

import pytest

from app.auth import create_user
from app.extensions import db

# The browser and the live server are test_browser's fixtures, shared rather than started twice over.
from tests.test_browser import browser, log_in, server  # noqa: F401
from tests.test_phone import PHONE, phone  # noqa: F401

pytestmark = pytest.mark.browser

DEPARTMENT = "县水务局"


@pytest.fixture(scope="module")
def with_department(app, accounts):
    """Add a county department's user (committed: the browser's server reads it) to `accounts`."""
    with app.app_context():
        create_user("test-landing-water", "landing-water-pw", role="department", department=DEPARTMENT)
        db.session.commit()
    return {**accounts, "department": ("test-landing-water", "landing-water-pw")}


@pytest.mark.parametrize(
    "role, path, heading, label",
    [
        ("admin", "/", ".leaflet-container", "管理员"),
        ("leader", "/dashboard", "section.totals", "领导"),  # the page a county leader opens first
        ("gis", "/", ".leaflet-container", "GIS 人员"),
        ("cadre", "/mine", ".my-village", "驻村干部"),
        ("department", "/demands", "table.demands", "县直部门 县水务局"),
    ],
)
def test_each_role_lands_on_a_page_it_can_use(phone, server, with_department, role, path, heading, label):  # noqa: F811
    responses = []
    phone.on("response", lambda r: responses.append(r) if r.request.resource_type == "document" else None)
    log_in(phone, server, with_department, role)
    assert phone.url.split("?")[0] == f"{server}{path}"
    assert responses[-1].status == 200
    phone.wait_for_selector(heading)
    assert " ".join(phone.locator(".who").inner_text().split()).endswith(label)
    assert "部门帮扶干部" not in phone.locator(".who").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        "the page scrolls sideways"
    )


def test_a_department_user_is_named_as_a_county_department_in_english_too(phone, server, with_department):  # noqa: F811
    log_in(phone, server, with_department, "department")
    phone.goto(f"{server}/lang/en")
    phone.goto(f"{server}/")
    assert phone.url.split("?")[0] == f"{server}/demands"
    assert " ".join(phone.locator(".who").inner_text().split()).endswith(f"County department {DEPARTMENT}")


def test_a_leader_on_the_dashboard_reaches_the_county_map_from_the_header(phone, server, with_department):  # noqa: F811
    log_in(phone, server, with_department, "leader")
    phone.click("header.bar a.county")
    phone.wait_for_selector(".leaflet-container")
    assert phone.url.split("?")[0] == f"{server}/"
