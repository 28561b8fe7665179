"""The Tianditu basemap goes through the server: the key stays there, tiles are cached, failures are named."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")  # a PNG header is enough
KEY = "tk-secret-0123456789"


@pytest.fixture
def upstream():
    """A stand-in for Tianditu on loopback that records what it was asked."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def tianditu(app, monkeypatch, upstream):
    base, seen = upstream
    monkeypatch.setitem(app.config, "BASEMAP_URL", "tianditu")
    monkeypatch.setitem(app.config, "TIANDITU_KEY", KEY)
    monkeypatch.setitem(app.config, "TIANDITU_URL", base + "/{layer}/{z}/{x}/{y}?tk={key}")
    app.extensions.pop("basemap_cache", None)
    yield seen
    app.extensions.pop("basemap_cache", None)


def test_the_page_loads_tianditu_through_the_server_without_the_key(client, login, tianditu):
    login("leader")
    page = client.get("/").get_data(as_text=True)
    assert "/basemap/tianditu/vec/{z}/{x}/{y}" in page and "/basemap/tianditu/cva/{z}/{x}/{y}" in page
    assert KEY not in page


def test_a_tile_is_fetched_once_with_the_key(client, login, tianditu):
    login("gis")
    for _ in range(2):
        response = client.get("/basemap/tianditu/vec/10/816/434")
        assert response.status_code == 200 and response.mimetype == "image/png" and response.data == PNG
    assert tianditu == [f"/vec/10/816/434?tk={KEY}"]


def test_an_unreachable_tianditu_is_named(client, login, app, monkeypatch, tianditu):
    monkeypatch.setitem(app.config, "TIANDITU_URL", "http://127.0.0.1:9/{layer}/{z}/{x}/{y}?tk={key}")
    login("gis")
    response = client.get("/basemap/tianditu/cva/3/6/3")
    assert response.status_code == 502 and "Tianditu tile cva/3/6/3" in response.json["message"]
    assert KEY not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [("/basemap/tianditu/osm/3/6/3", 400, "layer='osm'"), ("/basemap/tianditu/vec/3/9/3", 400, "3/9/3")],
)
def test_bad_tiles_are_named(client, login, tianditu, path, status, words):
    login("gis")
    response = client.get(path)
    assert response.status_code == status and words in response.json["message"]


def test_without_a_key_the_basemap_says_so(client, login, app, monkeypatch, tianditu):
    monkeypatch.setitem(app.config, "TIANDITU_KEY", "")
    login("gis")
    response = client.get("/basemap/tianditu/vec/3/6/3")
    assert response.status_code == 503 and "TIANDITU_KEY" in response.json["message"]


def test_without_a_basemap_the_page_loads_no_tiles(client, login):
    login("leader")
    assert "L.tileLayer(" not in client.get("/").get_data(as_text=True)
