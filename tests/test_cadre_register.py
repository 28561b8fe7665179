"""A village's cadre register kept on the web (#11): read by leaders and the village's cadres, changed
by administrators and the village's own secretary, every change audited, mistakes named beside their field."""

import re

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import cadre_village, csrf_token
from tests.test_browser import browser, log_in, page, server  # noqa: F401

NEW_PHONE = "13900001111"


def village_of(county, last: bool = False) -> tuple[str, list[str], list[str]]:
    """Return a village's code, its natural villages' codes and its households' codes."""
    villages = sorted(county.admin_units.query("level == 'village'").code)
    code = villages[-1] if last else cadre_village(county)
    natural = sorted(county.natural_villages.code[county.natural_villages.village_code == code])
    households = sorted(county.households.code[county.households.natural_village_code.str.startswith(code)])
    return code, natural, households


def rows(html: str) -> dict[str, str]:
    """Return the register's rows by phone: the row's text."""
    found = re.findall(r'<tr data-phone="(\d+)"[^>]*>(.*?)</tr>', html, re.S)
    return {phone: re.sub(r"<[^>]+>|\s+", " ", row) for phone, row in found}


def post(client, code: str, cadre_id: int | None = None, **fields):
    url = f"/work/cadres/{code}" + (f"/{cadre_id}" if cadre_id else "")
    token = csrf_token(client.get("/", follow_redirects=True).get_data(as_text=True))
    form = {"csrf_token": token, "role": "resident", "active": "1", **fields}
    return client.post(url, data=form)


def cadre_id(app, phone: str) -> int | None:
    with app.app_context():
        return db.session.execute(text("SELECT id FROM cadre WHERE phone = :p"), {"p": phone}).scalar()


def make_secretary(app, username: str, duty: str = "书记") -> None:
    """Give the cadre that `username` logs in as the post `duty`."""
    with app.app_context():
        db.session.execute(
            text("UPDATE cadre SET duty = :d WHERE user_id = (SELECT id FROM app_user WHERE username = :u)"),
            {"d": duty, "u": username},
        )
        db.session.commit()  # into the test's transaction, rolled back at its end


def test_a_leader_reads_the_register_with_posts_phones_and_patches_but_may_not_change_it(
    client, login, county, work
):
    code, *_ = village_of(county)
    login("leader")
    response = client.get(f"/work/cadres/{code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    register = rows(html)
    expected = work.cadres[work.cadres.village_code == code]
    assert set(register) == set(expected.phone)
    secretary = expected[expected.duty == "书记"].iloc[0]
    assert "书记" in register[secretary.phone] and "村两委" in register[secretary.phone]
    assert "干部名册" in html and 'id="cadre-form"' not in html
    assert post(client, code, name="某人", phone=NEW_PHONE).status_code == 403


def test_gis_and_other_villages_cadres_may_not_read_it(client, login, county):
    other, *_ = village_of(county, last=True)
    login("gis")
    assert client.get(f"/work/cadres/{other}").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login("cadre")
    assert client.get(f"/work/cadres/{other}").status_code == 403
    assert client.get("/work/cadres/52269").status_code == 400  # not a village code


def test_an_administrator_adds_a_cadre_with_a_patch_and_a_login_and_it_is_audited(
    app, client, login, county, accounts
):
    code, natural, households = village_of(county, last=True)
    login("admin")
    patch = {"natural_villages": natural[:2], "households": f"{households[-1]}、"}
    response = post(client, code, name="新来的", phone=NEW_PHONE, duty="第一书记", unit="县农业局", **patch)
    assert response.status_code == 303
    register = rows(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "新来的" in register[NEW_PHONE] and "第一书记" in register[NEW_PHONE]
    assert households[-1] in register[NEW_PHONE] and "驻村干部" in register[NEW_PHONE]
    with app.app_context():
        event = db.session.execute(
            text("SELECT target, detail FROM audit_event WHERE action = 'add_cadre' ORDER BY id DESC LIMIT 1")
        ).one()
    assert event.target == code and event.detail["patch"]["natural_villages"] == natural[:2]
    # Changed: marked inactive (never deleted: visits and pairings name a cadre), the patch emptied.
    found = cadre_id(app, NEW_PHONE)
    response = post(client, code, found, name="新来的", phone=NEW_PHONE, active="")
    assert response.status_code == 303
    register = rows(client.get(f"/work/cadres/{code}").get_data(as_text=True))
    assert "已停用" in register[NEW_PHONE] and households[-1] not in register[NEW_PHONE]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phone": "1390000"}, "phone", "手机号应为以1开头的11位数字"),
        ({"name": ""}, "name", "姓名应为1至32字"),
        ({"role": "村长"}, "role", "请选择村两委"),
        ({"households": "FOREIGN"}, "households", "包片中有不属于本村的农户"),
        ({"natural_villages": "OTHER"}, "natural_villages", "包片中有不属于本村的自然寨"),
        ({"username": "nobody-at-all"}, "username", "没有该用户名的干部账号"),
    ],
)
def test_a_mistake_is_named_beside_its_field_and_nothing_is_stored(
    app, client, login, county, fields, field, message
):
    code, *_ = village_of(county, last=True)
    foreign = {"FOREIGN": village_of(county)[2][0], "OTHER": village_of(county)[1][0]}
    form = {"name": "某人", "phone": NEW_PHONE, **fields}
    form = {k: foreign.get(v, v) for k, v in form.items()}
    login("admin")
    response = post(client, code, **form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'data-field="{field}">[^<]*{message}', html), html[-2000:]
    assert cadre_id(app, NEW_PHONE) is None


def test_a_phone_of_another_cadre_is_refused(client, login, county, work):
    code, *_ = village_of(county, last=True)
    taken = work.cadres.phone.iloc[0]
    login("admin")
    response = post(client, code, name="某人", phone=taken)
    assert response.status_code == 400 and "该手机号已属于另一名干部" in response.get_data(as_text=True)


def test_the_villages_secretary_changes_its_register_and_a_plain_cadre_may_not(
    app, client, login, county, accounts, work
):
    code, natural, _ = village_of(county)
    other = work.cadres[work.cadres.village_code == code].sort_values("phone").iloc[-1]
    make_secretary(app, accounts["cadre"][0], duty="委员")
    login("cadre")
    html = client.get(f"/work/cadres/{code}").get_data(as_text=True)
    assert 'id="cadre-form"' not in html
    assert (
        post(client, code, cadre_id(app, other.phone), name=other["name"], phone=other.phone).status_code
        == 403
    )
    make_secretary(app, accounts["cadre"][0])
    fields = {
        "name": other["name"],
        "phone": other.phone,
        "role": other.role,
        "natural_villages": natural[-1:],
    }
    response = post(client, code, cadre_id(app, other.phone), **fields)
    assert response.status_code == 303
    register = rows(client.get(f"/work/cadres/{code}").get_data(as_text=True))
    assert natural[-1] in register[other.phone]
    # Their post is in this village only.
    last, *_ = village_of(county, last=True)
    assert post(client, last, name="某人", phone=NEW_PHONE).status_code == 403


def test_a_register_file_sets_posts_and_one_without_the_column_keeps_them(app, county, work, tmp_path):
    from app.importers.cadres import import_register
    from tests.test_imports import write_xlsx

    known = work.cadres.sort_values("phone").iloc[0]
    row = {"姓名": known["name"], "手机号": known.phone, "身份": "村两委", "所在村编码": known.village_code}
    with app.app_context():
        assert import_register(write_xlsx(tmp_path / "a.xlsx", [{**row, "职务": "主任"}])).written
        assert import_register(write_xlsx(tmp_path / "b.xlsx", [row])).written
        duty = db.session.execute(
            text("SELECT duty FROM cadre WHERE phone = :p"), {"p": known.phone}
        ).scalar()
    assert duty == "主任"


@pytest.mark.browser
def test_an_administrator_changes_a_cadres_post_in_the_browser(page, server, accounts, county, work):  # noqa: F811
    code, *_ = village_of(county, last=True)
    cadre = work.cadres[work.cadres.village_code == code].sort_values("phone").iloc[-1]
    log_in(page, server, accounts, "admin")
    page.goto(f"{server}/areas/{code}")
    page.click("#cadres-link")
    page.locator(f"tr[data-phone='{cadre.phone}'] a").click()
    assert cadre["name"] in page.locator("#form-title").inner_text()
    page.fill("input[name=duty]", "主任")
    page.click("#cadre-form button[type=submit]")
    page.wait_for_selector("#saved:not([hidden])")
    assert "主任" in page.locator(f"tr[data-phone='{cadre.phone}']").inner_text()
    assert page.outside == []
