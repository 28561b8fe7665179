"""Working behind the front server (deploy/nginx): forwarded headers, versioned static URLs, tile keys.

- With PROXY_HOPS=n the app believes the last n X-Forwarded-For/-Proto/-Host entries (werkzeug's
  ProxyFix, installed by app.entry), so the audit log records the reader's address and external URLs
  (TileJSON, OGC links) carry the address the reader typed.
- Every ``url_for("static", …)`` carries ``?v=`` and a digest of the file, so nginx may tell browsers
  to keep it for a year: a changed file gets a new URL.
- ``/tiles/cache-key`` tells nginx, before a tile, which shared cache entry this principal may
  read (``X-Tile-Key``: data version and scope digest) and for how long (``X-Accel-Expires``);
  ``X-Demand-Tile-Key`` is the same for the demand tiles (their own version: demands change apart).
- Tiles and tile keys never carry the session cookie, so the caches that keep them keep no session.
"""

import hashlib
import math
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from . import tiles
from .demands import tiles as demand_tiles

bp = Blueprint("front", __name__)


def register(app: Flask) -> None:
    """Version static URLs and serve the tile cache key."""
    app.url_defaults(_static_version)
    app.session_interface = _SessionInterface()
    app.register_blueprint(bp)


# Responses a shared cache keeps (deploy/nginx): a refreshed session cookie must not travel with them.
_CACHED_ENDPOINTS = frozenset({"tiles.tile", "demands.tile", "front.tile_cache_key"})


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that cached responses never (re)send the cookie."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        return request.endpoint not in _CACHED_ENDPOINTS and super().should_set_cookie(app, session)


def _static_version(endpoint: str, values: dict) -> None:
    """Add ``v=<digest of the file>`` to static URLs (nothing for a file that does not exist)."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    path = Path(current_app.static_folder, values["filename"])
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return
    # Read once per file and modification, not per page: pages name a dozen files each.
    digests = current_app.extensions.setdefault("static_digests", {})
    key = (values["filename"], stamp)
    if key not in digests:
        digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    values["v"] = digests[key]


@bp.get("/tiles/cache-key")
def tile_cache_key():
    """Answer nginx's question before a tile: 204 and the principal's shared tile key, or 401."""
    if not current_user.is_authenticated:
        return Response(status=401)
    # The key holds the data version, which the app itself rereads every TILE_VERSION_SECONDS.
    seconds = max(1, math.ceil(current_app.config["TILE_VERSION_SECONDS"]))
    headers = {
        tiles.KEY_HEADER: tiles.cache_key_of(current_user),
        demand_tiles.SHARED_KEY_HEADER: demand_tiles.shared_key_of(current_user),
        "X-Accel-Expires": str(seconds),
    }
    return Response(status=204, headers=headers)
