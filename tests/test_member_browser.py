"""A cadre adds, changes and removes a member on a household card in a real browser (#13)."""

import pytest

from tests.conftest import cadre_village

# The browser and the live server are test_browser's fixtures, shared rather than started twice over.
from tests.test_browser import browser, log_in, page, server  # noqa: F401
from tests.test_members import id_number

pytestmark = pytest.mark.browser


def members_count(card) -> int:
    """Return the household's member count as the card shows it (家庭人口)."""
    return int(card.locator("dt:text-is('家庭人口') + dd").inner_text())


def test_a_cadre_edits_a_member_on_the_card_and_the_count_follows(page, server, accounts, county):  # noqa: F811
    log_in(page, server, accounts, "cadre")
    households = county.households.sort_values("code")
    household = households[households.code.str.startswith(cadre_village(county))].iloc[-2]
    page.goto(f"{server}/households/{household.code}")
    rows = page.locator("#household-members tr[data-relation]")
    before, people = members_count(page), rows.count()
    assert rows.first.get_attribute("data-relation") == "head" and people == before

    page.click("#member-add summary")
    form = page.locator("#member-add form")
    form.locator("input[name=name]").fill("龙小梅")
    form.locator("select[name=relation]").select_option(label="孙女")
    form.locator("input[name=id_number]").fill(id_number("20170815", 64))
    form.locator("input[name=left_behind_child]").check()
    form.locator("button").click()
    page.wait_for_selector("#household-members td.member-name:text-is('龙小梅')")
    assert members_count(page) == before + 1
    added = page.locator("#household-members tr", has=page.locator("td.member-name:text-is('龙小梅')"))
    assert "留守儿童" in added.locator(".member-flags").inner_text()

    added.locator("summary").click()
    added.locator("input[name=name]").fill("龙小梅梅")
    added.locator("input[name=left_behind_child]").uncheck()
    added.locator("form").first.locator("button").click()
    page.wait_for_selector("#household-members td.member-name:text-is('龙小梅梅')")
    changed = page.locator("#household-members tr", has=page.locator("td.member-name:text-is('龙小梅梅')"))
    assert "留守儿童" not in changed.locator(".member-flags").inner_text()

    changed.locator("summary").click()
    changed.locator("button.member-remove").click()
    page.wait_for_selector("#household-members td.member-name:text-is('龙小梅梅')", state="detached")
    assert members_count(page) == before and rows.count() == people
