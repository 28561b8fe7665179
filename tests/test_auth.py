"""Logging in and out, sessions, CSRF, API tokens and HTTP Basic."""

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth import create_token
from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import csrf_token, log_in

API = "/api/townships/{}/natural-villages"


@pytest.fixture
def township(county):
    return sorted(county.admin_units.query("level == 'township'").code)[0]


def test_the_right_password_logs_in_and_shows_the_county(app, client, accounts):
    response = log_in(client, *accounts["leader"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "全县概览" in page
    with app.app_context():
        logins = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login")
        )
    assert logins >= 1


def test_a_wrong_password_is_refused_and_leaves_no_session(client, accounts):
    username, _ = accounts["leader"]
    response = log_in(client, username, "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_login_without_the_csrf_token_is_refused(client, accounts):
    username, password = accounts["admin"]
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/?indicator=dibao")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/?indicator%3Ddibao"


def test_anonymous_programs_get_401_with_a_basic_challenge(client, township):
    response = client.get(API.format(township))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json["code"] == "Unauthorized"


def test_an_expired_session_must_log_in_again(app, client, login):
    login("leader")
    assert client.get("/").status_code == 200
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    try:
        assert client.get("/").status_code == 302
    finally:
        app.config["PERMANENT_SESSION_LIFETIME"] = lifetime


def test_logging_out_needs_the_csrf_token(client, login):
    login("gis")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_the_login_page_never_redirects_off_site(client, accounts):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    username, password = accounts["gis"]
    response = client.post(
        "/login?next=//evil.example/x", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def issue_token(app, accounts, role, **options) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == accounts[role][0]))
        token = create_token(user, **options)
        db.session.commit()
        return token


@pytest.mark.parametrize("header", ["Authorization", "X-API-Token"])
def test_an_api_token_authenticates_a_program(app, client, accounts, township, header):
    token = issue_token(app, accounts, "gis", name="QGIS")
    value = f"Bearer {token}" if header == "Authorization" else token
    assert client.get(API.format(township), headers={header: value}).status_code == 200


@pytest.mark.parametrize("days", [None, -1])
def test_unknown_and_expired_tokens_are_refused(app, client, accounts, township, days):
    token = issue_token(app, accounts, "gis", name="old", days=days) if days else "mq_unknown"
    response = client.get(API.format(township), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_http_basic_authenticates_qgis(client, accounts, township):
    username, password = accounts["gis"]
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    assert (
        client.get(API.format(township), headers={"Authorization": f"Basic {credentials}"}).status_code == 200
    )
    wrong = base64.b64encode(f"{username}:nope".encode()).decode()
    assert client.get(API.format(township), headers={"Authorization": f"Basic {wrong}"}).status_code == 401


def test_behind_https_the_session_cookie_is_secure(monkeypatch, database_url):
    from app import create_app

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app({"SECRET_KEY": "x"})
    with app.test_request_context("/"):
        from flask import session

        session["probe"] = 1
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
    assert "Secure" in response.headers["Set-Cookie"]
