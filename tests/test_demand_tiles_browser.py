"""Demands on the area maps in a real browser (#12): the layer toggles, filters, and the URL follows."""

import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.queries import demands as queries
from tests.test_browser import browser, log_in, page, server  # noqa: F401

pytestmark = pytest.mark.browser

COUNTS = "path.mq-demand-count"


@pytest.fixture(scope="module")
def placed(app, county, accounts):
    """Commit three demands in the county's last natural village: two water (one overdue), one roads."""
    households = county.households.sort_values("code")
    nv = households.natural_village_code.iloc[-1]
    codes = list(households.code[households.natural_village_code == nv])[:3]
    today = datetime.date.today()
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.username == accounts["admin"][0])).one()
        for code, kind, raised in [
            (codes[0], "water", today - datetime.timedelta(days=90)),
            (codes[1], "water", today),
            (codes[2], "roads", today),
        ]:
            place = queries.household_place(code)
            demand = {
                **place,
                "household_id": place.pop("id"),
                "lon": None,
                "lat": None,
                "person_name": "",
                "person_phone": "",
                "channel": "reception",
                "kind": kind,
                "urgency": "normal",
                "description": "测试诉求",
                "raised_on": raised,
                "due_on": raised + datetime.timedelta(days=14),
            }
            queries.insert_demand(demand, user=admin)
        db.session.commit()
    return nv[:12], households[households.code == codes[0]].iloc[0]


def test_a_leader_toggles_and_filters_demands_on_the_village_map_and_the_url_follows(
    page,  # noqa: F811
    server,  # noqa: F811
    accounts,
    placed,
):
    village, household = placed
    log_in(page, server, accounts, "leader")
    page.goto(f"{server}/areas/{village[:9]}000")  # the township: counts per natural village
    assert not page.locator("#demand-filters input[name=demands]").is_checked()
    assert page.locator(COUNTS).count() == 0
    page.check("#demand-filters input[name=demands]")
    page.wait_for_selector(f"{COUNTS}.mq-demand-overdue")  # the natural village, ringed: one is overdue
    assert "demands=1" in page.url
    page.select_option("#demand-filters select[name=kind]", "roads")
    page.wait_for_url("**kind=roads*")
    page.wait_for_selector(COUNTS)  # the roads demand's village, from the new tiles
    assert page.locator(f"{COUNTS}.mq-demand-overdue").count() == 0  # the overdue one is water
    # The URL carries the filters: opened again, the page draws the same layer.
    page.goto(page.url)
    assert page.locator("#demand-filters input[name=demands]").is_checked()
    assert page.locator("#demand-filters select[name=kind]").input_value() == "roads"
    page.wait_for_selector(COUNTS)
    page.select_option("#demand-filters select[name=kind]", "")
    page.select_option("#demand-filters select[name=state]", "open")
    # Close in, the leader reads demands one by one: points coloured by state, the overdue one ringed.
    x, y = household.geometry.x, household.geometry.y
    page.evaluate(f"() => MinqingMap.map.setView([{y}, {x}], 17, {{animate: false}})")
    page.wait_for_selector("path.mq-demand-point.mq-demand-registered.mq-demand-overdue")
    assert "state=open" in page.url
    # Another indicator keeps the demand layer and its filters.
    page.select_option("select[name=indicator]", "dibao")
    page.wait_for_url("**indicator=dibao*")
    assert "demands=1" in page.url and "state=open" in page.url
    assert page.locator("#demand-filters select[name=state]").input_value() == "open"
    page.uncheck("#demand-filters input[name=demands]")
    page.wait_for_function("document.querySelectorAll('path.mq-demand-point').length === 0")
    assert "demands=1" not in page.url and "state=" not in page.url
    assert page.outside == []


def test_a_bad_filter_in_the_url_is_a_400_naming_it(page, server, accounts, placed):  # noqa: F811
    log_in(page, server, accounts, "gis")
    response = page.goto(f"{server}/areas/{placed[0]}?demands=1&since=2026-02-30")
    assert response.status == 400 and "since" in page.content()
