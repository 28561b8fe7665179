"""The phone visit form (#11): a visit is checked, written once per uid, audited; mistakes told in Chinese."""

import datetime
import uuid

import pytest
from sqlalchemy import text

from app.extensions import db
from app.queries import stats
from tests.conftest import cadre_village, csrf_token


@pytest.fixture
def mine(work, county):
    """A household of the test cadre's patch, and one of another village."""
    cadres = work.cadres[work.cadres.village_code == cadre_village(county)].sort_values("phone")
    patch = work.patches[work.patches.phone == cadres.phone.iloc[0]]
    households = county.households
    own = households[households.natural_village_code.isin(patch.natural_village_code)].sort_values("code")
    other = households[~households.code.str.startswith(cadre_village(county))].sort_values("code")
    return own.iloc[0], other.iloc[0]


def visit(household: str, **changes) -> dict:
    return {
        "uid": str(uuid.uuid4()),
        "household": household,
        "visited_on": datetime.date.today().isoformat(),
        "kind": "routine",
        "ticks": ["housing_safe", "drinking_water"],
        "findings": "老人身体尚可",
        **changes,
    }


def post_json(client, body: dict):
    token = csrf_token(client.get("/work/visits/new").get_data(as_text=True))
    return client.post(
        "/work/visits", json=body, headers={"X-CSRFToken": token, "Accept": "application/json"}
    )


def stored(app, uid: str) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(
            text("""SELECT v.visited_on, v.kind, v.ticks, v.findings, v.source, h.code, w.last_visit_on
                    FROM visit v JOIN household h ON h.id = v.household_id
                    JOIN household_work w ON w.household_id = h.id WHERE v.uid = :uid"""),
            {"uid": uid},
        ).mappings()
        return [dict(r) for r in rows]


def size(client, url: str) -> int:
    response = client.get(url)
    n = len(response.data)
    response.close()
    return n


def test_the_form_page_is_small_and_suggests_the_cadres_households(client, login, mine):
    login("cadre")
    page = client.get("/work/visits/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<option value="{mine[0].code}">' in html and mine[1].code not in html
    weight = len(page.data) + sum(size(client, f"/static/{f}") for f in ("app.css", "js/visit-queue.js"))
    assert weight < 100_000, weight


def test_a_visit_sent_twice_is_stored_once_and_audited(app, client, login, mine):
    login("cadre")
    body = visit(mine[0].code)
    first = post_json(client, body)
    assert first.status_code == 201, first.get_json()
    again = post_json(client, body)
    assert again.status_code == 200 and again.get_json()["stored"] is False
    rows = stored(app, body["uid"])
    assert len(rows) == 1
    row = rows[0]
    assert row["code"] == mine[0].code and row["last_visit_on"] == datetime.date.today()
    assert row["ticks"] == ["housing_safe", "drinking_water"] and row["source"] == "form"
    with app.app_context():
        events = db.session.execute(
            text(
                "SELECT username, ip, detail FROM audit_event WHERE action = 'record_visit' AND target = :c"
            ),
            {"c": mine[0].code},
        ).all()
    assert len(events) == 2 and events[0].username == "test-cadre" and events[0].ip


def test_the_plain_form_finds_the_household_by_its_heads_name(app, client, login, mine, county):
    own = mine[0]
    names = county.households.head_name
    if (names == own.head_name).sum() > 1:
        pytest.skip("the head's name is not unique in the test county")
    login("cadre")
    token = csrf_token(client.get("/work/visits/new").get_data(as_text=True))
    body = visit(own.head_name, csrf_token=token)
    response = client.post("/work/visits", data=body)
    assert response.status_code == 302 and f"saved={own.code}" in response.headers["Location"]
    assert stored(app, body["uid"])[0]["code"] == own.code


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            # Two days on: tomorrow here may already be today in the county (Asia/Shanghai, UTC+8).
            {"visited_on": (datetime.date.today() + datetime.timedelta(days=2)).isoformat()},
            "visited_on",
            "走访日期不能晚于今天",
        ),
        ({"visited_on": "2026-13-01"}, "visited_on", "走访日期格式"),
        ({"household": "52269999999999999"}, "household", "没有该户号或户主姓名的农户"),
        ({"household": "OTHER"}, "household", "该户不在您的包片范围内"),
        ({"kind": "party"}, "kind", "走访类型"),
        ({"ticks": ["rich"]}, "ticks", "未知的走访情况"),
        ({"findings": "很" * 201}, "findings", "最多200字"),
        ({"uid": "not-a-uid"}, "uid", "走访编号"),
    ],
)
def test_a_wrong_visit_is_refused_naming_the_field_in_chinese(client, login, mine, change, field, message):
    login("cadre")
    body = {**visit(mine[0].code), **change}
    if body["household"] == "OTHER":
        body["household"] = mine[1].code
    response = post_json(client, body)
    assert response.status_code == 400
    problems = response.get_json()["problems"]
    assert [p["field"] for p in problems] == [field] and message in problems[0]["message"]


def test_only_a_cadre_of_the_register_records_visits(client, login, mine):
    login("leader")
    assert client.get("/work/visits/new").status_code == 403


def test_a_visit_from_the_phone_moves_its_natural_villages_coverage_in_qgis_at_once(
    app, client, login, work, county
):
    cadres = work.cadres[work.cadres.village_code == cadre_village(county)].sort_values("phone")
    patch = work.patches[work.patches.phone == cadres.phone.iloc[0]]
    own = county.households[county.households.natural_village_code.isin(patch.natural_village_code)]
    overdue, natural = own.sort_values("code")[["code", "natural_village_code"]].iloc[0]
    with app.app_context():  # the household not visited yet: its visits gone, the statistics rebuilt
        db.session.execute(
            text("DELETE FROM visit WHERE household_id = (SELECT id FROM household WHERE code = :c)"),
            {"c": overdue},
        )
        stats.refresh()
        db.session.commit()
    url = f"/ogc/collections/natural_villages/items/{natural}?f=json"
    login("admin")
    before = client.get(url).json["properties"]
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/search").get_data(as_text=True))})
    login("cadre")
    for _ in range(2):
        assert post_json(client, visit(overdue)).status_code == 201
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/search").get_data(as_text=True))})
    login("admin")
    after = client.get(url).json["properties"]
    assert after["visit_coverage"] > before["visit_coverage"]  # no rebuild of the county needed
