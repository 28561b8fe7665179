"""Logging in and out, sessions, CSRF, API tokens and HTTP Basic."""

import base64
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from app.accounts import dummy_hash
from app.auth import create_token
from app.extensions import db
from app.models import ApiToken, AuditEvent, User
from tests.conftest import csrf_token, log_in

API = "/api/townships/{}/natural-villages"


@pytest.fixture
def township(county):
    return sorted(county.admin_units.query("level == 'township'").code)[0]


def test_the_right_password_logs_in_and_shows_the_county(app, client, accounts):
    response = log_in(client, *accounts["gis"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "全县概览" in page
    with app.app_context():
        logins = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login")
        )
    assert logins >= 1


def test_a_leader_starts_on_the_dashboard_and_the_county_is_one_click_away(client, accounts):
    response = log_in(client, *accounts["leader"])
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/"' in page  # the header's link to the county map
    assert "全县概览" in client.get("/").get_data(as_text=True)


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


# --- sessions end at once (#10) ----------------------------------------------------------------


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_a_cookie_saved_before_logout_no_longer_works(app, client, login):
    login("leader")
    saved = client.get_cookie("session").value
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", saved)
    # Well within AUTH_CACHE_SECONDS: the per-process cache must not keep the session alive.
    assert thief.get("/").status_code == 302
    assert thief.get(API.format("1" * 12), headers={"Accept": "application/json"}).status_code == 401


def test_logging_out_ends_the_users_sessions_everywhere_but_not_their_tokens(
    app, client, accounts, township, login
):
    login("gis")
    other = app.test_client()
    log_in(other, *accounts["gis"])
    token = issue_token(app, accounts, "gis", name="QGIS")
    logout = csrf_token(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": logout})
    assert other.get("/").status_code == 302
    assert client.get(API.format(township), headers={"X-API-Token": token}).status_code == 200


def set_password(app, username: str, password: str):
    return app.test_cli_runner().invoke(
        args=["users", "set-password", username], input=f"{password}\n{password}\n"
    )


@pytest.mark.parametrize(
    ("command", "old_password"),
    [
        (lambda app, name: set_password(app, name, "a-new-password"), 401),
        (lambda app, name: app.test_cli_runner().invoke(args=["users", "deactivate", name]), 401),
        (lambda app, name: app.test_cli_runner().invoke(args=["users", "set-role", name, "gis"]), 200),
    ],
    ids=["set-password", "deactivate", "set-role"],
)
def test_password_role_and_deactivation_end_sessions_and_tokens_at_once(
    app, client, accounts, township, login, command, old_password
):
    username, password = accounts["leader"]
    login("leader")
    token = issue_token(app, accounts, "leader", name="scripts")
    assert client.get(API.format(township), headers={"X-API-Token": token}).status_code == 200
    assert client.get(API.format(township), headers=basic(username, password)).status_code == 200
    with app.app_context():
        result = command(app, username)
    assert result.exit_code == 0, result.output
    assert "1 token(s) revoked" in result.output
    assert client.get("/").status_code == 302
    assert client.get(API.format(township), headers={"X-API-Token": token}).status_code == 401
    # Basic sends the password each time: it goes on working only if the password still is right.
    assert client.get(API.format(township), headers=basic(username, password)).status_code == old_password


def test_a_new_password_works_at_once_and_the_old_one_no_longer(app, client, accounts, township):
    username, password = accounts["cadre"]
    assert client.get(API.format(township), headers=basic(username, password)).status_code == 200
    with app.app_context():
        assert set_password(app, username, "another-password").exit_code == 0
    assert client.get(API.format(township), headers=basic(username, password)).status_code == 401
    assert client.get(API.format(township), headers=basic(username, "another-password")).status_code == 200


# --- tokens -------------------------------------------------------------------------------------


def test_tokens_expire_after_ninety_days_unless_told(app, accounts):
    issue_token(app, accounts, "gis", name="default")
    issue_token(app, accounts, "gis", name="short", days=2)
    with app.app_context():
        rows = {t.name: t.expires_at for t in db.session.scalars(select(ApiToken))}
    left = rows["default"] - datetime.now(UTC)
    assert timedelta(days=89, hours=23) < left <= timedelta(days=90)
    assert rows["short"] - datetime.now(UTC) <= timedelta(days=2)


def test_tokens_are_listed_and_revoked_from_the_command_line(app, client, accounts, township):
    token = issue_token(app, accounts, "gis", name="QGIS 办公室")
    runner = app.test_cli_runner()
    with app.app_context():
        listed = runner.invoke(args=["tokens", "list", accounts["gis"][0]]).output
    line = next(row for row in listed.splitlines() if "QGIS 办公室" in row)
    token_id, state = line.split()[:2]
    assert state == "live"
    assert client.get(API.format(township), headers={"X-API-Token": token}).status_code == 200
    with app.app_context():
        revoked = runner.invoke(args=["tokens", "revoke", token_id])
        assert revoked.exit_code == 0, revoked.output
        listed = runner.invoke(args=["tokens", "list", accounts["gis"][0]]).output
    assert client.get(API.format(township), headers={"X-API-Token": token}).status_code == 401
    assert f"{token_id:>5}  revoked" in listed or f"{token_id}  revoked" in listed
    with app.app_context():
        assert runner.invoke(args=["tokens", "revoke", "999999"]).exit_code != 0


def test_tokens_list_shows_times_in_shanghai(app, accounts):
    issue_token(app, accounts, "gis", name="shanghai")
    with app.app_context():
        listed = app.test_cli_runner().invoke(args=["tokens", "list", accounts["gis"][0]]).output
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:")
    assert today in next(row for row in listed.splitlines() if "shanghai" in row)


def test_last_use_is_written_at_most_once_a_minute(app, client, accounts, township):
    token = issue_token(app, accounts, "gis", name="tiles")

    def last_used():
        with app.app_context():
            return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "tiles"))

    assert last_used() is None
    for _ in range(3):
        assert client.get("/tiles/0/0/0.mvt", headers={"X-API-Token": token}).status_code == 200
    first = last_used()
    assert first is not None and datetime.now(UTC) - first < timedelta(seconds=30)
    client.get("/tiles/0/0/0.mvt", headers={"X-API-Token": token})
    assert last_used() == first
    with app.app_context():
        db.session.execute(
            update(ApiToken).where(ApiToken.name == "tiles").values(last_used_at=first - timedelta(minutes=2))
        )
        db.session.commit()
    client.get("/tiles/0/0/0.mvt", headers={"X-API-Token": token})
    assert last_used() > first - timedelta(seconds=1)


# --- failed logins: back-off, constant time, audit ---------------------------------------------


def failures(app, **where):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == "login_failed")
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def test_the_login_form_backs_off_after_five_failures(app, client, accounts):
    username, password = accounts["leader"]
    statuses = [log_in(client, username, f"guess-{i}").status_code for i in range(10)]
    assert statuses[:5] == [401] * 5 and 429 in statuses  # trips within ten failures
    refused = log_in(client, username, password)  # the right password, too early
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 900
    assert f"登录失败次数过多，请 {wait} 秒后再试。" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_the_wait_doubles_and_the_right_password_works_after_it(app, client, accounts):
    username, password = accounts["gis"]
    waits = []
    for i in range(7):
        response = log_in(client, username, f"guess-{i}")
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            time.sleep(int(response.headers["Retry-After"]) + 0.05)
            assert log_in(client, username, f"again-{i}").status_code == 401
    assert waits[:2] == [1, 2]
    time.sleep(4.05)
    assert log_in(client, username, password).status_code == 302


def test_http_basic_backs_off_too(app, client, accounts, township):
    username, password = accounts["gis"]
    for i in range(5):
        assert client.get(API.format(township), headers=basic(username, f"nope-{i}")).status_code == 401
    response = client.get(API.format(township), headers=basic(username, password))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert response.json["code"] == "TooManyRequests" and "登录失败次数过多" in response.json["message"]


def test_qgis_over_basic_is_told_when_to_retry(client, accounts):
    username, _ = accounts["gis"]
    for i in range(5):
        client.get("/ogc/collections", auth=(username, f"nope-{i}"))
    response = client.get("/ogc/collections", auth=accounts["gis"])
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "登录失败次数过多" in response.json["description"]


def test_a_throttled_browser_gets_the_429_page_even_where_the_page_is_an_error(client, accounts):
    username, password = accounts["gis"]
    for i in range(5):
        client.get("/ogc/collections", auth=(username, f"nope-{i}"))
    response = client.get(
        "/ogc/collections/nope/items", auth=(username, password), headers={"Accept": "text/html"}
    )
    assert response.status_code == 429 and "登录失败次数过多" in response.get_data(as_text=True)


def test_one_address_trying_many_names_is_held_back(app, client, accounts):
    for i in range(10):
        log_in(client, f"nobody-{i}", "guess")
    username, password = accounts["admin"]
    assert log_in(client, username, password).status_code == 429


def test_an_admin_unlocks_an_account(app, client, accounts):
    username, password = accounts["cadre"]
    for i in range(6):
        log_in(client, username, f"guess-{i}")
    assert log_in(client, username, password).status_code == 429
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["users", "unlock", username])
    assert result.exit_code == 0 and "1 failure count(s) cleared" in result.output
    assert log_in(client, username, password).status_code == 302


def test_unknown_names_are_throttled_alike(client):
    statuses = [log_in(client, "no-such-user", f"guess-{i}").status_code for i in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]


def test_failed_logins_are_audited_with_the_name_address_and_reason(app, client, accounts):
    username, _ = accounts["leader"]
    log_in(client, username, "wrong")
    log_in(client, "ghost", "wrong")
    client.get(API.format("1" * 12), headers=basic(username, "wrong-too"))
    rows = failures(app)
    assert [(r.username, r.ip, r.detail["reason"], r.detail["via"]) for r in rows] == [
        (username, "127.0.0.1", "wrong_password", "form"),
        ("ghost", "127.0.0.1", "unknown_user", "form"),
        (username, "127.0.0.1", "wrong_password", "basic"),
    ]
    assert all(r.user_id is None for r in rows)


def test_an_unknown_name_costs_the_same_password_hash_as_a_known_one(app, client, accounts):
    """A name that exists must not answer slower (it was 0.37 s against 0.011 s; bench/hardening.py times it).

    Both are refused alike, and the unknown name's password is checked against a hash made the same way
    (method and cost) as the real users'.
    """
    known = log_in(client, accounts["admin"][0], "guess")
    unknown = log_in(client, "no-such-user", "guess")
    assert (known.status_code, unknown.status_code) == (401, 401)
    assert all("用户名或密码错误" in answer.get_data(as_text=True) for answer in (known, unknown))
    with app.app_context():
        real = db.session.scalar(select(User.password_hash).where(User.username == accounts["admin"][0]))
    method = real.split("$")[0]  # e.g. scrypt:32768:8:1
    assert dummy_hash().split("$")[0] == method
