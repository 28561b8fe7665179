"""The household card's members (#13): listed head first, masked as the head's, edited by admins and
the village's cadres, each bad field a 400 naming it."""

import re

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import cadre_village, csrf_token
from tests.test_members import counts_of, id_number, wrong_check


def card_household(county) -> str:
    """Return a household of the test cadre's village with a spouse and children (generated members)."""
    village = cadre_village(county)
    h = county.households
    return sorted(h[h.code.str.startswith(village) & (h.members >= 4)].code)[0]


def stored_members(app, code):
    with app.app_context():
        return db.session.execute(
            text(
                "SELECT m.id, m.name, m.id_number, m.relation FROM member m JOIN household h "
                "ON h.id = m.household_id WHERE h.code = :c ORDER BY m.id"
            ),
            {"c": code},
        ).all()


@pytest.mark.parametrize(
    ("role", "names", "ids"),
    [
        ("admin", "clear", "clear"),
        ("cadre", "clear", "clear"),
        ("leader", "clear", "masked"),
        ("gis", None, None),
    ],
)
def test_the_card_lists_members_head_first_masked_as_the_heads_are(
    app, client, login, county, role, names, ids
):
    code = card_household(county)
    people = stored_members(app, code)
    login(role)
    page = client.get(f"/households/{code}").get_data(as_text=True)
    if names is None:  # the list would tell the member count, which gis may not see
        assert 'id="household-members"' not in page
        assert not any(p.name in page or p.id_number in page for p in people)
        return
    table = page[page.index('id="household-members"') :]
    relations = re.findall(r'data-relation="(\w+)"', table)
    assert relations[0] == "head" and len(relations) == len(people)
    for p in people:
        assert p.name in table
        masked = p.id_number[:4] + "**********" + p.id_number[-4:]
        assert (p.id_number in table) == (ids == "clear") and (masked in table) == (ids == "masked")


def test_a_village_cadre_adds_changes_and_removes_a_member_and_the_counts_follow(app, client, login, county):
    code = card_household(county)
    login("cadre")
    card = client.get(f"/households/{code}").get_data(as_text=True)
    token = csrf_token(card)
    child = {
        "csrf_token": token,
        "name": "杨小花",
        "relation": "granddaughter",
        "id_number": id_number("20180301", 42),
        "left_behind_child": "1",
        "student": "1",
        "insured": "1",
    }
    before = counts(app, code)
    added = client.post(f"/households/{code}/members", data=child)
    assert added.status_code == 303
    after = counts(app, code)
    assert after["members"] == before["members"] + 1
    assert after["left_behind_children"] == before["left_behind_children"] + 1
    new = next(p for p in stored_members(app, code) if p.name == "杨小花")
    changed = client.post(f"/households/{code}/members/{new.id}", data={**child, "left_behind_child": ""})
    assert (
        changed.status_code == 303
        and counts(app, code)["left_behind_children"] == before["left_behind_children"]
    )
    assert (
        client.post(f"/households/{code}/members/{new.id}/remove", data={"csrf_token": token}).status_code
        == 303
    )
    assert counts(app, code) == before
    with app.app_context():
        actions = db.session.scalars(
            text("SELECT action FROM audit_event WHERE target = :c AND action LIKE '%member' ORDER BY id"),
            {"c": code},
        ).all()
    assert actions == ["add_member", "change_member", "remove_member"]


def counts(app, code) -> dict:
    with app.app_context():
        return counts_of(code)


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"id_number": wrong_check(id_number("20180301", 42))}, "id_number"),
        ({"relation": "cousin"}, "relation"),
        ({"name": ""}, "name"),
        ({"birth_date": "2018-03-02"}, "birth_date"),
        ({"sex": "M"}, "sex"),
        ({"relation": "head"}, "relation"),  # the household has its head
        ({"left_behind_child": "1", "id_number": id_number("20000301", 42)}, "left_behind_child"),
        ({"student": "yes"}, "student"),
    ],
)
def test_a_bad_member_form_is_a_400_naming_the_field_and_stores_nothing(
    app, client, login, county, change, parameter
):
    code = card_household(county)
    login("admin")
    token = csrf_token(client.get(f"/households/{code}").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "name": "杨小花",
        "relation": "granddaughter",
        "id_number": id_number("20180301", 42),
    }
    before = stored_members(app, code)
    refused = client.post(f"/households/{code}/members", data={**form, **change})
    assert refused.status_code == 400 and parameter in refused.get_data(as_text=True)
    assert stored_members(app, code) == before


@pytest.mark.parametrize("role", ["leader", "gis"])
def test_only_admins_and_the_villages_cadres_edit_members(client, login, county, role):
    code = card_household(county)
    login(role)
    token = csrf_token(client.get("/").get_data(as_text=True)) if role else None
    refused = client.post(f"/households/{code}/members", data={"csrf_token": token, "name": "某"})
    assert refused.status_code == 403
