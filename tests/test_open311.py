"""Open311 GeoReport v2 (#12): a hotline files demands with a token and reads them as its role allows."""

import datetime
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select, text

from app import localtime
from app.accounts import create_token, create_user, find_user
from app.demands import checks
from app.extensions import db
from app.models import AuditEvent
from app.queries import demands as demand_queries
from tests.conftest import cadre_village, csrf_token, log_in

DEPARTMENT = "县水务局"
KINDS = {
    "roads",
    "water",
    "housing",
    "medical_insurance",
    "education",
    "employment",
    "dispute",
    "dibao",
    "other",
}


def households(county) -> tuple[str, str]:
    """Return a household of the test cadre's village and one of another village."""
    codes = county.households.sort_values("code").code
    own = codes[codes.str.startswith(cadre_village(county))].iloc[0]
    other = codes[~codes.str.startswith(cadre_village(county))].iloc[0]
    return own, other


def clear_demands() -> None:
    """Start from no demand (browser tests commit theirs); TRUNCATE, as events refuse DELETE."""
    db.session.execute(text("TRUNCATE demand_event, demand CASCADE"))


def file(
    household: str, *, by: str, kind: str = "water", assign: str | None = None, raised_on: str = ""
) -> int:
    """Register a demand (in the test's transaction), optionally accepted and assigned to a department."""
    form = {"household": household, "channel": "reception", "kind": kind, "urgency": "normal"}
    form |= {"description": "自来水管冬季冻裂，全组停水三天", "raised_on": raised_on}
    demand, problems = checks.check(form, today=localtime.today())
    assert not problems, problems
    user = find_user(by)
    demand_id = demand_queries.insert_demand(demand, user=user)
    if assign:
        demand_queries.append_event(demand_id, "accept", "accepted", user=user, note="")
        detail = {"assignee_kind": "department", "assignee": assign}
        demand_queries.append_event(demand_id, "assign", "assigned", user=user, note="", detail=detail)
    db.session.flush()
    return demand_id


@pytest.fixture
def token(app, accounts):
    """Return a function giving a fresh API token of a role's test user."""

    def of(role: str) -> str:
        with app.app_context():
            value = create_token(find_user(accounts[role][0]), name="hotline")
            db.session.commit()  # the test's transaction: rolled back after the test
        return value

    return of


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


def audited(app, action: str, target: str = "") -> int:
    with app.app_context():
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        if target:
            query = query.where(AuditEvent.target == target)
        return db.session.scalar(query)


# --- services -------------------------------------------------------------------


def test_the_services_are_the_catalogue_of_kinds_in_json_and_xml(client):
    listed = client.get("/open311/v2/services.json")
    assert listed.status_code == 200
    assert {s["service_code"] for s in listed.json} == KINDS
    water = next(s for s in listed.json if s["service_code"] == "water")
    assert water["service_name"] == "饮水 Drinking water" and water["metadata"] is True

    xml = ElementTree.fromstring(client.get("/open311/v2/services.xml").data)
    assert xml.tag == "services"
    assert {s.findtext("service_code") for s in xml.findall("service")} == KINDS

    definition = client.get("/open311/v2/services/water.json").json
    (urgency,) = definition["attributes"]
    assert urgency["code"] == "urgency" and [v["key"] for v in urgency["values"]] == ["normal", "urgent"]
    missing = client.get("/open311/v2/services/parking.json")
    assert missing.status_code == 404 and "parking" in missing.json[0]["description"]


# --- filing a request ---------------------------------------------------------------


def test_a_hotline_files_a_demand_with_a_token_and_reads_its_status(app, client, token, county):
    own, _ = households(county)
    body = {
        "service_code": "roads",
        "address_id": own,
        "last_name": "王",
        "first_name": "小红",
        "phone": "13800001234",
        "description": "进寨公路塌方，车辆无法通行",
        "attribute[urgency]": "urgent",
    }
    refused = client.post("/open311/v2/requests.json", data=body)
    assert refused.status_code == 401
    assert refused.json[0]["code"] == 401 and "API" in refused.json[0]["description"]

    admin = token("admin")
    filed = client.post("/open311/v2/requests.json", data=body, headers=bearer(admin))
    assert filed.status_code == 201, filed.json
    number = filed.json[0]["service_request_id"]
    with app.app_context():
        row = db.session.execute(
            text("SELECT channel, kind, urgency, person_name, state FROM demand WHERE id = :id"),
            {"id": number},
        ).one()
    assert tuple(row) == ("hotline", "roads", "urgent", "王小红", "registered")
    assert audited(app, "register_demand", number) == 1

    read = client.get(f"/open311/v2/requests/{number}.json", headers=bearer(admin))
    assert read.status_code == 200
    (request,) = read.json
    assert request["status"] == "open" and request["status_notes"] == "已登记 registered"
    assert request["service_code"] == "roads" and request["description"] == body["description"]
    assert request["address_id"] == own and request["requested_datetime"].endswith("+08:00")
    assert audited(app, "view_demand", number) == 1

    # The spec's api_key field does as well as the header, and XML answers the spec's way.
    again = client.post("/open311/v2/requests.xml", data={**body, "api_key": admin})
    assert again.status_code == 201
    assert ElementTree.fromstring(again.data).find("request/service_request_id").text.isdigit()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"service_code": "parking"}, "service_code"),
        ({"address_id": "", "long": "abc", "lat": "26.1", "first_name": "李"}, "long"),
        ({"description": ""}, "description"),
        ({"attribute[urgency]": "tomorrow"}, "attribute[urgency]"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_parameter(client, token, county, changes, named):
    own, _ = households(county)
    body = {"service_code": "water", "address_id": own, "description": "停水", **changes}
    response = client.post("/open311/v2/requests.json", data=body, headers=bearer(token("admin")))
    assert response.status_code == 400
    (error,) = response.json
    assert error["code"] == 400 and named in error["description"]
    assert " / " in error["description"]  # Chinese, then English


def test_a_cadre_files_only_in_their_villages(client, token, county):
    _, other = households(county)
    body = {"service_code": "water", "address_id": other, "description": "停水"}
    response = client.post("/open311/v2/requests.json", data=body, headers=bearer(token("cadre")))
    assert response.status_code == 403 and "不在您负责的村" in response.json[0]["description"]


# --- reading requests ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("start_date=yesterday", "start_date"),
        ("end_date=2026-13-01T00:00:00Z", "end_date"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "end_date"),  # over 90 days
        ("status=pending", "status"),
        ("service_code=parking", "service_code"),
        ("service_request_id=1,two", "service_request_id"),
        ("page=2", "page"),
        ("end_date=0001-01-01T00:00:00%2B14:00", "end_date"),  # 90 days before: no such year
        ("start_date=9999-12-31T00:00:00Z", "start_date"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(client, token, query, named):
    response = client.get(f"/open311/v2/requests.json?{query}", headers=bearer(token("leader")))
    assert response.status_code == 400, response.json
    assert response.json[0]["code"] == 400 and named in response.json[0]["description"]
    xml = client.get(f"/open311/v2/requests.xml?{query}", headers=bearer(token("leader")))
    assert ElementTree.fromstring(xml.data).findtext("error/code") == "400"


@pytest.mark.usefixtures("app_context")
def test_the_filters_window_status_kind_and_ids(client, token, accounts, county):
    own, other = households(county)
    admin = accounts["admin"][0]
    today = localtime.today()
    recent = file(own, by=admin, kind="water")
    old = file(other, by=admin, kind="roads", raised_on=str(today - datetime.timedelta(days=120)))
    answered = file(other, by=admin, kind="roads")
    user = find_user(admin)
    for action, state in (("accept", "accepted"), ("progress", "in_progress"), ("answer", "answered")):
        detail = {"assignee_kind": "department", "assignee": DEPARTMENT} if action == "progress" else None
        if action == "progress":  # assigned first
            demand_queries.append_event(answered, "assign", "assigned", user=user, note="", detail=detail)
        demand_queries.append_event(answered, action, state, user=user, note="")
    db.session.flush()
    leader = bearer(token("leader"))

    def ids(query: str = "") -> set[int]:
        response = client.get(f"/open311/v2/requests.json?{query}", headers=leader)
        assert response.status_code == 200, response.json
        return {int(r["service_request_id"]) for r in response.json}

    assert {recent, answered} <= ids() and old not in ids()  # the last 90 days by default
    start = (today - datetime.timedelta(days=130)).isoformat()
    assert old in ids(f"start_date={start}T00:00:00%2B08:00")
    assert answered in ids("status=closed") and recent not in ids("status=closed")
    assert recent in ids("status=open") and answered not in ids("status=open")
    assert recent not in ids("service_code=roads") and answered in ids("service_code=roads")
    assert ids(f"service_request_id={old},{recent}") == {old, recent}  # ids override the window
    closed = client.get(f"/open311/v2/requests/{answered}.json", headers=leader).json[0]
    assert (closed["status"], closed["agency_responsible"]) == ("closed", DEPARTMENT)


@pytest.mark.usefixtures("app_context")
def test_who_reads_which_requests(client, token, accounts, county):
    own, other = households(county)
    mine = file(own, by=accounts["admin"][0])
    theirs = file(other, by=accounts["admin"][0])
    assert client.get("/open311/v2/requests.json").status_code == 401  # anonymous
    gis = client.get("/open311/v2/requests.json", headers=bearer(token("gis")))
    assert gis.status_code == 403 and "counts only" in gis.json[0]["description"]
    assert client.get(f"/open311/v2/requests/{mine}.json", headers=bearer(token("gis"))).status_code == 403
    cadre = bearer(token("cadre"))
    listed = {
        int(r["service_request_id"]) for r in client.get("/open311/v2/requests.json", headers=cadre).json
    }
    assert mine in listed and theirs not in listed
    xml = ElementTree.fromstring(client.get("/open311/v2/requests.xml", headers=cadre).data)
    assert xml.tag == "service_requests"
    assert {int(r.findtext("service_request_id")) for r in xml.findall("request")} == listed
    assert {r.findtext("status") for r in xml.findall("request")} == {"open"}
    assert client.get(f"/open311/v2/requests/{theirs}.json", headers=cadre).status_code == 403
    assert client.get("/open311/v2/requests/999999999.json", headers=cadre).status_code == 404
    for unknown in ("%C2%B2", "9" * 40):  # '²' is a digit to str.isdigit; 40 digits pass a bigint
        assert client.get(f"/open311/v2/requests/{unknown}.json", headers=cadre).status_code == 404


# --- the county department -------------------------------------------------------------


@pytest.fixture
def department(app, client):
    """Create a user of the county water bureau (role department) and log the client in as them."""
    with app.app_context():
        create_user("test-water", "water-bureau-pw", role="department", department=DEPARTMENT)
        db.session.commit()
    assert log_in(client, "test-water", "water-bureau-pw").status_code == 302
    return client


def test_a_department_reads_and_answers_only_the_demands_assigned_to_it(app, accounts, county, department):
    client = department
    own, other = households(county)
    with app.app_context():
        ours = file(other, by=accounts["admin"][0], assign=DEPARTMENT)
        elsewhere = file(own, by=accounts["admin"][0], assign="县交通运输局")
        unassigned = file(own, by=accounts["admin"][0])
        db.session.commit()

    listed = client.get("/demands").get_data(as_text=True)
    assert f'data-id="{ours}"' in listed
    assert f'data-id="{elsewhere}"' not in listed and f'data-id="{unassigned}"' not in listed
    page = client.get(f"/demands/{ours}").get_data(as_text=True)
    assert "自来水管冬季冻裂" in page
    assert client.get(f"/demands/{elsewhere}").status_code == 403

    items = client.get("/ogc/collections/demands/items?f=json").json["features"]
    assert [int(f["id"]) for f in items] == [ours]
    found = client.get("/open311/v2/requests.json").json
    assert [int(r["service_request_id"]) for r in found] == [ours]
    assert client.get(f"/open311/v2/requests/{elsewhere}.json").status_code == 403

    # Nothing else of households: no household records, no pairings or visits.
    nv = county.households.set_index("code").natural_village_code[other]
    assert client.get(f"/api/natural-villages/{nv}/households").status_code == 403
    assert client.get("/ogc/collections/households/items?f=json").status_code == 403
    assert client.get("/ogc/collections/visits/items?f=json").status_code == 403

    def act(action: str, version: int, **fields):
        token = csrf_token(client.get(f"/demands/{ours}").get_data(as_text=True))
        body = {"csrf_token": token, "version": str(version), **fields}
        return client.post(f"/demands/{ours}/{action}", data=body)

    assert act("progress", 3).status_code == 302
    assert act("answer", 4, note="已抢修管道，恢复供水").status_code == 302
    refused = act("close", 5, rating="satisfied")  # the person's rating is the village's to take
    assert refused.status_code == 403
    assert act("assign", 5, assignee_kind="department", assignee="县交通运输局").status_code == 403
    with app.app_context():
        state = db.session.execute(text("SELECT state FROM demand WHERE id = :id"), {"id": ours}).scalar()
    assert state == "answered"


def test_the_command_creates_a_department_user_and_refuses_one_without_a_department(app):
    runner = app.test_cli_runner()
    base = ["users", "create", "shuiwu", "--role", "department", "--password", "pw-123456789"]
    with app.app_context():
        refused = runner.invoke(args=base)
        assert refused.exit_code == 2 and "--department" in refused.output
        done = runner.invoke(args=[*base, "--department", DEPARTMENT])
        assert done.exit_code == 0, done.output
        user = find_user("shuiwu")
        assert (user.role_name, user.department) == ("department", DEPARTMENT)
        cadre = runner.invoke(
            args=["users", "create", "li", "--role", "cadre", "--password", "pw-1234567", "--department", "x"]
        )
        assert cadre.exit_code == 2 and find_user("li") is None
