"""People's demands through the web (#12): register, move through the lifecycle, refusals, privacy, audit."""

import json
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from tests.conftest import cadre_village, csrf_token


@pytest.fixture
def places(county):
    """A household of the test cadre's village, one of another village, and a township code."""
    households = county.households.sort_values("code")
    own = households[households.code.str.startswith(cadre_village(county))].iloc[0]
    other = households[~households.code.str.startswith(cadre_village(county))].iloc[0]
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    return own, other, township


def register(client, household: str, /, **changes):
    token = csrf_token(client.get("/demands/new").get_data(as_text=True))
    body = {
        "csrf_token": token,
        "household": household,
        "channel": "reception",
        "kind": "water",
        "urgency": "normal",
        "description": "自来水管冬季冻裂，全组停水三天",
        **changes,
    }
    return client.post("/demands", data=body)


def registered(client, household: str, /, **changes) -> int:
    response = register(client, household, **changes)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/demands/(\d+)$", response.headers["Location"]).group(1))


def log_out(client):
    token = csrf_token(client.get("/demands").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def page_of(client, demand_id: int) -> str:
    response = client.get(f"/demands/{demand_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def act(client, demand_id: int, action: str, *, version: int | None = None, **fields):
    html = page_of(client, demand_id)
    if version is None:
        version = int(re.search(r'name="version" value="(\d+)"', html).group(1))
    body = {"csrf_token": csrf_token(html), "version": str(version), **fields}
    return client.post(f"/demands/{demand_id}/{action}", data=body)


def state(html: str) -> str:
    return re.search(r'id="state" data-state="(\w+)"', html).group(1)


def test_a_demand_goes_from_reception_to_a_satisfied_close_every_step_kept(app, client, login, places):
    own, _, township = places
    login("cadre")
    demand = registered(client, own.code)
    html = page_of(client, demand)
    assert state(html) == "registered" and "自来水管冬季冻裂" in html and "已登记" in html
    assert own.head_name in html and own.code in html  # who raised it, kept with the demand
    assert re.findall(r'data-action="(\w+)" ?>?', html.split("</ol>")[1]) == ["accept"]
    steps = [
        ("accept", {}),
        ("assign", {"assignee_kind": "township", "assignee": township}),
        ("progress", {"note": "已联系水务站"}),
        ("answer", {"note": "管道已更换"}),
        ("close", {"rating": "satisfied", "note": "群众满意"}),
    ]
    for action, fields in steps:
        response = act(client, demand, action, **fields)
        assert response.status_code == 302, (action, response.get_data(as_text=True))
    html = page_of(client, demand)
    assert state(html) == "closed" and "已办结" in html and "满意" in html and "群众满意" in html
    assert "reopen" in re.findall(r'class="demand-action" data-action="(\w+)"', html)
    with app.app_context():
        events = db.session.execute(
            text("SELECT action, state, username FROM demand_event WHERE demand_id = :d ORDER BY id"),
            {"d": demand},
        ).all()
        audited = list(
            db.session.execute(
                text(
                    "SELECT action FROM audit_event WHERE target = :d AND action LIKE '%demand' ORDER BY id"
                ),
                {"d": str(demand)},
            ).scalars()
        )
        row = db.session.execute(
            text("SELECT state, version, assignee_kind, rating FROM demand WHERE id = :d"), {"d": demand}
        ).one()
        # History is never overwritten: the database refuses to change an event.
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text("UPDATE demand_event SET note = 'x' WHERE demand_id = :d"), {"d": demand})
    assert [e.action for e in events] == ["register", *(a for a, _ in steps)]
    assert [e.state for e in events][-1] == "closed" and {e.username for e in events} == {"test-cadre"}
    assert tuple(row) == ("closed", 6, "township", "satisfied")
    assert audited[0] == "register_demand" and audited.count("change_demand") == 5
    assert audited.count("view_demand") >= 6


@pytest.mark.parametrize(
    ("steps", "action", "fields", "named"),
    [
        ([], "close", {"rating": "satisfied"}, "已登记"),  # a rating before an answer
        (["accept"], "answer", {}, "已受理"),  # skipping assign and progress
        ([], "progress", {}, "已登记"),
        (["accept"], "reopen", {}, "已受理"),
    ],
)
def test_an_action_from_the_wrong_state_is_refused_naming_the_state(
    client, login, places, steps, action, fields, named
):
    login("cadre")
    demand = registered(client, places[0].code)
    for step in steps:
        assert act(client, demand, step).status_code == 302
    response = act(client, demand, action, **fields)
    assert response.status_code == 409
    assert named in response.get_data(as_text=True)
    assert state(page_of(client, demand)) == (steps[-1] + "ed" if steps else "registered")


def test_a_change_made_from_an_older_page_is_refused_naming_who_changed_it(client, login, places):
    login("cadre")
    demand = registered(client, places[0].code)
    assert act(client, demand, "accept", version=1).status_code == 302
    stale = act(client, demand, "assign", version=1, assignee_kind="department", assignee="县水务局")
    assert stale.status_code == 409
    assert "该诉求已被test-cadre修改" in stale.get_data(as_text=True)
    assert state(page_of(client, demand)) == "accepted"


@pytest.mark.parametrize(
    ("action", "fields", "named"),
    [
        ("assign", {"assignee_kind": "cadre", "assignee": "13000000000"}, "assignee"),
        ("assign", {"assignee_kind": "king", "assignee": "x"}, "assignee_kind"),
        ("assign", {"assignee_kind": "township", "assignee": "520000000000"}, "assignee"),
        ("nonsense", {}, "action"),
    ],
)
def test_bad_action_input_is_a_400_naming_the_parameter(client, login, places, action, fields, named):
    login("cadre")
    demand = registered(client, places[0].code)
    act(client, demand, "accept")
    response = act(client, demand, action, **fields)
    assert response.status_code == 400
    assert f"{named}=" in response.get_data(as_text=True)


def test_a_bad_rating_is_a_400(client, login, places):
    login("cadre")
    demand = registered(client, places[0].code)
    for step, fields in [
        ("accept", {}),
        ("assign", {"assignee_kind": "department", "assignee": "县医保局"}),
        ("progress", {}),
        ("answer", {}),
    ]:
        assert act(client, demand, step, **fields).status_code == 302
    assert act(client, demand, "close", rating="great").status_code == 400
    assert act(client, demand, "close", rating="not_satisfied").status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": ""}, "请填写诉求内容"),
        ({"household": "52269999999999999"}, "没有该户编号的农户"),
        ({"household": "", "person_name": ""}, "请填写户编号，或诉求人姓名"),
        ({"household": "", "person_name": "王大", "lon": "100.5", "lat": "20.5"}, "不在本县任何自然寨内"),
        ({"kind": "lottery"}, "请选择诉求类别"),
        ({"channel": "pigeon"}, "请选择诉求来源"),
        ({"raised_on": "2026-02-30"}, "日期格式"),
        ({"household": "OTHER"}, "不在您负责的村"),
    ],
)
def test_a_wrong_registration_is_refused_in_chinese(client, login, places, changes, message):
    login("cadre")
    if changes.get("household") == "OTHER":
        changes["household"] = places[1].code
    response = register(client, places[0].code, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_person_not_in_the_registry_raises_a_demand_at_a_picked_point(app, client, login, places, county):
    login("admin")
    nv = county.natural_villages.sort_values("code").iloc[-1]
    point = nv.geometry.representative_point()
    demand = registered(
        client,
        "",
        person_name="赵路人",
        person_phone="13800000000",
        lon=str(point.x),
        lat=str(point.y),
        kind="roads",
        urgency="urgent",
        raised_on="2026-09-29",
    )
    html = page_of(client, demand)
    # Three working days from 29 September 2026: the 30th, then 8 and 9 October after National Day.
    assert "赵路人" in html and nv["name"] in html and "2026-10-09" in html and "已超期" in html
    listed = client.get("/demands?overdue=1&kind=roads").get_data(as_text=True)
    assert f'data-id="{demand}" class="overdue"' in listed


def test_who_sees_what(client, login, places, accounts):
    own, other, _ = places
    login("admin")
    elsewhere = registered(client, other.code, description="邻里宅基地纠纷")
    log_out(client)
    login("cadre")
    mine = registered(client, own.code)
    assert client.get(f"/demands/{elsewhere}").status_code == 403  # not the cadre's village
    listed = client.get("/demands").get_data(as_text=True)
    assert f'data-id="{mine}"' in listed and f'data-id="{elsewhere}"' not in listed
    log_out(client)
    login("leader")
    html = page_of(client, mine)  # leaders read, but do not handle
    assert "自来水管冬季冻裂" in html and 'class="demand-action"' not in html
    assert act(client, mine, "accept", version=1).status_code == 403
    assert client.get("/demands/new").status_code == 403
    log_out(client)
    login("gis")
    assert client.get(f"/demands/{mine}").status_code == 403
    counts = client.get("/demands").get_data(as_text=True)
    assert "您的角色只能查看诉求数量" in counts and "自来水管" not in counts and "纠纷" in counts


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("state=lost", "state"),
        ("kind=lottery", "kind"),
        ("village=12", "village"),
        ("overdue=yes", "overdue"),
        ("page=2", "page"),
        ("before=x", "before"),
        ("before=²", "before"),  # a digit to str.isdigit, not to int
        ("before=" + "9" * 40, "before"),  # beyond a bigint
    ],
)
def test_a_bad_list_filter_is_a_400_naming_it(client, login, query, named):
    login("leader")
    response = client.get(f"/demands?{query}")
    assert response.status_code == 400 and named in response.get_data(as_text=True)


def test_the_natural_village_map_draws_its_demands_for_readers_only(client, login, places, county):
    login("cadre")
    demand = registered(client, places[0].code)
    nv = places[0].natural_village_code
    html = client.get(f"/natural-villages/{nv}").get_data(as_text=True)
    layer = re.search(r'<script type="application/json" id="mq-demands">(.*?)</script>', html, re.S)
    drawn = {f["id"]: f["properties"] for f in json.loads(layer.group(1))["features"]}
    assert drawn[demand] == {"id": demand, "state": "registered", "kind": "饮水", "overdue": False}
    assert "自来水管" not in layer.group(1) and "MinqingMap.demands" in html
    log_out(client)
    login("gis")
    assert 'id="mq-demands"' not in client.get(f"/natural-villages/{nv}").get_data(as_text=True)
