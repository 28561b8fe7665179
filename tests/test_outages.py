"""Database or disk unavailable (#10): a 503 with Retry-After, rendered without the database, a quiet log."""

import errno
import logging
import socket
import subprocess
import time

import pytest

from app import create_app
from tests.conftest import csrf_token

ITEMS = "/ogc/collections/households/items"
HTML = {"Accept": "text/html"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead(app):
    """Return an app like the test app (same secret key) whose database port has no server behind it."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": f"postgresql://minqing@127.0.0.1:{free_port()}/minqing",
        }
    )


def session_of(client, login, role: str) -> str:
    login(role)
    return client.get_cookie("session").value


def test_database_down_is_a_503_with_retry_after_rendered_without_it(dead, client, login):
    cookie = session_of(client, login, "leader")
    browser = dead.test_client()
    browser.set_cookie("session", cookie)
    response = browser.get("/", headers=HTML)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "暂时无法连接数据库，请稍后再试。" in page and "Traceback" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_database_down_gives_programs_json(dead, accounts):
    program = dead.test_client()
    response = program.get(f"{ITEMS}?limit=1", auth=accounts["gis"])
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.json["code"] == "ServiceUnavailable"
    assert response.json["message"] == "暂时无法连接数据库，请稍后再试。"


def test_the_login_page_still_shows_while_the_database_is_down(dead):
    assert dead.test_client().get("/login").status_code == 200


def test_fifty_failures_write_one_log_line_not_fifty_tracebacks(dead, accounts, caplog):
    program = dead.test_client()
    with caplog.at_level(logging.INFO):
        statuses = {
            program.get("/api/townships/1/natural-villages", auth=accounts["gis"]).status_code
            for _ in range(50)
        }
    assert statuses == {503}
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].getMessage().startswith("database unavailable: OperationalError: ")
    assert lines[0].exc_info is None and "\n" not in lines[0].getMessage()


def test_the_suppressed_failures_are_counted_in_the_next_report(dead, accounts, caplog, monkeypatch):
    monkeypatch.setitem(dead.config, "OUTAGE_LOG_SECONDS", 0.2)
    program = dead.test_client()
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            program.get(f"{ITEMS}", auth=accounts["gis"])
        time.sleep(0.25)
        program.get(f"{ITEMS}", auth=accounts["gis"])
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and "(4 more such failures since the last report" in messages[1]


@pytest.fixture
def full_disk(tmp_path):
    """Mount a 64 KiB tmpfs (root only); unmount it afterwards."""
    where = tmp_path / "full"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True, check=False
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    yield where
    subprocess.run(["umount", str(where)], check=True)


def test_a_full_disk_is_a_503_too(app, client, login, full_disk, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_FOLDER", str(full_disk))
    login("admin")
    big = tmp_path / "农户.csv"
    big.write_text("户编码,户主姓名\n" + "5226991002010100001,张三\n" * 10_000, encoding="utf-8")
    token = csrf_token(client.get("/import").get_data(as_text=True))
    with open(big, "rb") as f:
        response = client.post(
            "/import", data={"csrf_token": token, "file": (f, big.name)}, content_type="multipart/form-data"
        )
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "服务器磁盘已满或不可用" in response.get_data(as_text=True)


def test_other_os_errors_stay_500s(app):
    from app.outages import kind

    assert kind(OSError(errno.ENOSPC, "No space left on device")) == "disk"
    assert kind(FileNotFoundError(errno.ENOENT, "gone")) is None
