"""A whole-county export through the real stack (#15): nginx, gunicorn and the job worker.

What the admin of bench/load.py does, as a browser does it on one kept-alive connection: GET
/export/<…> answers 303 to the job's page, which refreshes itself until the job is done, then its
link downloads the file from disk. The two errors the load bench once counted in this group were
wrk's: its think time came before the first request on a connection already open, and nginx closes
a connection that sends nothing for client_header_timeout (10 s), its guard against slow clients.
"""

import csv
import http.client
import io
import re
import secrets
import socket
import time

import pyogrio
import pytest

from app.auth import create_user
from app.extensions import db
from bench import stack

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(stack.nginx_binary() is None, reason="nginx is not installed (make deps installs it)"),
]

HEADER_TIMEOUT_S = 10  # client_header_timeout in deploy/nginx/minqing.conf.template


@pytest.fixture(scope="module")
def served(app, database_url, tmp_path_factory):
    """The stack with its job worker, every export of more than ten rows a job."""
    folder = tmp_path_factory.mktemp("export-stack")
    env = {"EXPORT_SYNC_MAX_ROWS": "10"}
    with stack.running(database_url, folder, job_worker=True, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def admin(app, served):
    """A fresh admin (committed: the stack is another process), logged in through nginx."""
    username, password = f"test-export-stack-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    with app.app_context():
        create_user(username, password, role="admin")
        db.session.commit()
    return stack.log_in(served.url, username, password)


def _get(connection: http.client.HTTPConnection, path: str, cookie: str) -> http.client.HTTPResponse:
    connection.request("GET", path, headers={"Cookie": cookie, "Accept": "text/html,*/*"})
    response = connection.getresponse()
    response.body = response.read()
    assert not response.will_close, (path, response.status)  # the browser keeps its connection
    return response


def codes(fmt: str, body: bytes, folder) -> list[str]:
    """Return the household codes of a downloaded file, read as QGIS or Excel reads it."""
    if fmt == "csv":
        return [row["code"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))]
    (folder / "households.gpkg").write_bytes(body)
    return list(pyogrio.read_dataframe(folder / "households.gpkg", layer="households").code)


@pytest.mark.parametrize(("fmt", "media_type"), [("csv", "text/csv"), ("gpkg", "application/geopackage")])
def test_a_county_export_goes_303_job_page_file_on_one_connection(
    served, admin, county, fmt, media_type, tmp_path
):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=120)
    try:
        asked = _get(connection, f"/export/households.{fmt}", admin)
        assert asked.status == 303 and re.fullmatch(r"/jobs/\d+", asked.headers["Location"])
        job = asked.headers["Location"]
        for _ in range(600):  # the page refreshes itself every 2 s; read here every 0.5 s, for 5 min at most
            page = _get(connection, job, admin)
            assert page.status == 200
            status = re.search(rb'data-status="(\w+)"', page.body)[1]
            if status not in (b"queued", b"running"):
                break
            time.sleep(0.5)
        assert status == b"done", page.body.decode()
        link = re.search(rb'href="(/jobs/\d+/result)"', page.body)[1].decode()
        download = _get(connection, link, admin)
    finally:
        connection.close()
    assert download.status == 200 and download.headers["Content-Type"].startswith(media_type)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert sorted(codes(fmt, download.body, tmp_path)) == sorted(county.households.code)


def test_nginx_closes_a_connection_silent_from_the_start_but_keeps_one_idle_between_requests(served):
    """What wrk counted as read errors: a connection opened and then silent, as a user never leaves one."""
    silent = socket.create_connection(("127.0.0.1", served.port), timeout=HEADER_TIMEOUT_S + 10)
    kept = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    try:
        kept.request("GET", "/login")
        kept.getresponse().read()
        time.sleep(HEADER_TIMEOUT_S + 2)  # a think time longer than the guard, on both
        assert silent.recv(1) == b""  # closed by nginx, having answered nothing
        kept.request("GET", "/login")
        response = kept.getresponse()
        response.read()
        assert response.status == 200
    finally:
        silent.close()
        kept.close()
