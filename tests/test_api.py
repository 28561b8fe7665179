"""JSON endpoints: shapes, bad input, and masking per role."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.indicators import INDICATORS
from app.models import AuditEvent
from tests.conftest import cadre_village

ID_MASKED = re.compile(r"^[0-9]{4}\*{10}[0-9]{3}[0-9X]$")


@pytest.fixture
def own(county):
    """A natural village inside the test cadre's village, and its households."""
    villages = county.natural_villages
    code = sorted(villages[villages.village_code == cadre_village(county)].code)[0]
    return code, county.households[county.households.natural_village_code == code]


@pytest.fixture
def foreign(county):
    """A natural village outside the test cadre's villages, and its households."""
    villages = county.natural_villages
    code = sorted(villages[villages.village_code != cadre_village(county)].code)[0]
    return code, county.households[county.households.natural_village_code == code]


def households(client, code):
    return client.get(f"/api/natural-villages/{code}/households")


def test_a_township_lists_its_natural_villages_with_every_indicator(client, login, county):
    login("gis")
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    response = client.get(f"/api/townships/{township}/natural-villages")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    features = response.json["features"]
    expected = county.natural_villages[county.natural_villages.village_code.str.startswith(township[:9])]
    assert sorted(f["id"] for f in features) == sorted(expected.code)
    assert sum(f["properties"]["households"] for f in features) == len(
        county.households[county.households.natural_village_code.isin(expected.code)]
    )
    first = features[0]
    assert first["geometry"]["type"] == "MultiPolygon"
    for indicator in INDICATORS:
        assert indicator.key in first["properties"]
    mine = county.households[county.households.natural_village_code == first["id"]]
    assert first["properties"]["dibao"] == int(mine.dibao.sum())


def test_households_come_as_points_with_their_flags(client, login, own):
    login("admin")
    code, expected = own
    features = households(client, code).json["features"]
    assert [f["id"] for f in features] == sorted(expected.code)
    one = features[0]
    row = expected.set_index("code").loc[one["id"]]
    assert one["geometry"]["type"] == "Point"
    assert one["geometry"]["coordinates"] == pytest.approx([row.geometry.x, row.geometry.y], abs=1e-6)
    assert one["properties"]["members"] == row.members
    assert one["properties"]["poverty_status"] == row.poverty_status


@pytest.mark.parametrize(
    ("role", "name", "id_number", "address", "sensitive"),
    [
        ("admin", "full", "full", True, True),
        ("cadre", "full", "full", True, True),
        ("leader", "full", "masked", True, True),
        ("gis", "masked", None, False, False),
    ],
)
def test_each_role_gets_the_fields_it_may_see(client, login, own, role, name, id_number, address, sensitive):
    login(role)
    code, expected = own
    expected = expected.set_index("code")
    for feature in households(client, code).json["features"]:
        props, row = feature["properties"], expected.loc[feature["id"]]
        if name == "full":
            assert props["head_name"] == row.head_name
        else:
            assert props["head_name"] == row.head_name[0] + "*"
        if id_number == "full":
            assert props["id_number"] == row.id_number
        elif id_number == "masked":
            assert ID_MASKED.match(props["id_number"]) and props["id_number"][-4:] == row.id_number[-4:]
        else:
            assert "id_number" not in props
        assert ("address" in props) == address
        assert ("left_behind_children" in props) == sensitive


def test_a_cadre_gets_no_household_of_another_village_from_any_endpoint(client, login, county, foreign):
    login("cadre")
    code, theirs = foreign
    response = households(client, code)
    assert response.status_code == 403
    bodies = [response.get_data(as_text=True)]
    for township in county.admin_units.query("level == 'township'").code:
        bodies.append(client.get(f"/api/townships/{township}/natural-villages").get_data(as_text=True))
    bodies.append(client.get("/").get_data(as_text=True))
    for indicator in INDICATORS:
        bodies.append(client.get(f"/?indicator={indicator.key}").get_data(as_text=True))
    text = "\n".join(bodies)
    assert not any(id_number in text for id_number in theirs.id_number)
    assert not any(address in text for address in theirs.address)


def test_viewing_households_is_audited(app, client, login, own, accounts):
    login("leader")
    code, _ = own
    households(client, code)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.username, event.action, event.target) == (accounts["leader"][0], "view_households", code)


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/natural-villages/12345/households", 400, "natural village code='12345': 14 digits expected"),
        ("/api/natural-villages/99999999999999/households", 404, "natural village '99999999999999' does not"),
        ("/api/townships/52269910x000/natural-villages", 400, "township code='52269910x000'"),
        ("/api/townships/999999999999/natural-villages", 404, "township '999999999999' does not exist"),
        ("/api/townships/{township}/natural-villages?limit=5", 400, "unknown parameter 'limit'"),
        ("/api/nowhere", 404, "requested URL was not found"),
    ],
)
def test_bad_requests_get_a_clear_json_error(client, login, county, path, status, words):
    login("admin")
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    response = client.get(path.format(township=township))
    assert response.status_code == status
    assert words in response.json["message"]
