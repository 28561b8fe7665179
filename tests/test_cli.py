"""Command-line tasks: the demo county and the demo users."""

import datetime
import re

import pytest
from sqlalchemy import func, select, text

from app import localtime
from app.extensions import db
from app.models import Household, User

pytestmark = pytest.mark.usefixtures("app_context")


def test_demo_replaces_the_county_and_keeps_cadres_villages(app, accounts):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--households", "400", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Loaded 400 households in \d+ natural villages", result.output)
    assert db.session.scalar(select(func.count()).select_from(Household)) == 400
    # A year of work comes with it (#11): cadres of the new villages, their visits up to today.
    assert re.search(r"[1-9][\d,]* cadres and [1-9][\d,]* visits", result.output), result.output
    assert re.search(r"[1-9][\d,]* demands in the year", result.output), result.output  # #12
    last = db.session.execute(text("SELECT max(visited_on) FROM visit")).scalar_one()
    assert localtime.today() - datetime.timedelta(days=7) <= last <= localtime.today()
    cadre = db.session.scalar(select(User).where(User.username == accounts["cadre"][0]))
    # The 400-household county has the same first village code, so the cadre keeps it.
    assert [v.code for v in cadre.villages] == [
        db.session.execute(text("SELECT min(code) FROM admin_unit WHERE level = 'village'")).scalar_one()
    ]


def test_demo_if_empty_leaves_a_loaded_county_alone(app, county):
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert "already loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Household)) == len(county.households)


def test_demo_users_prints_each_new_password_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-users"]).output
    passwords = dict(re.findall(r"^(\w+)\s+role \w+\s+password (\S+)", first, re.M))
    assert set(passwords) == {"admin", "leader", "cadre", "gis"}
    second = runner.invoke(args=["demo-users"]).output
    assert "password" not in second.replace("set-password", "")
    assert not any(p in second for p in passwords.values())


def test_the_demo_cadre_logs_in_as_a_cadre_of_the_register_in_their_village(app):
    app.test_cli_runner().invoke(args=["demo-users"])
    linked = db.session.execute(
        text("""SELECT c.village_id = ANY(ARRAY(SELECT village_id FROM user_village WHERE user_id = u.id))
                FROM cadre c JOIN app_user u ON u.id = c.user_id WHERE u.username = 'cadre'""")
    ).scalar_one()
    assert linked
