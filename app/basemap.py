"""The basemap: Tianditu tiles fetched by the server, so its key never reaches a browser.

Tiles are kept per process (BASEMAP_CACHE_ITEMS), so a county office behind a
slow line fetches each tile once.
"""

import urllib.error
import urllib.request

from flask import Blueprint, Response, current_app, url_for
from flask_login import login_required

from .errors import AppError, bad_parameter, one_of
from .i18n import Text
from .tiles import MAX_ZOOM, TileCache

bp = Blueprint("basemap", __name__)

# Tianditu's Web-Mercator layers: vector map and its Chinese annotation.
LAYERS = ("vec", "cva", "img", "cia")
TIMEOUT = 5


def layer_urls() -> list[str]:
    """Return the XYZ templates the browser loads as basemap, bottom first (none when unset)."""
    basemap = current_app.config["BASEMAP_URL"]
    if not basemap or basemap == "none":
        return []
    if basemap == "tianditu":
        return [
            url_for("basemap.tianditu", layer=layer, z=0, x=0, y=0).replace("/0/0/0", "/{z}/{x}/{y}")
            for layer in ("vec", "cva")
        ]
    return [basemap]


def _cache() -> TileCache:
    cache = current_app.extensions.get("basemap_cache")
    if cache is None:
        cache = current_app.extensions["basemap_cache"] = TileCache(current_app.config["BASEMAP_CACHE_ITEMS"])
    return cache


@bp.get("/basemap/tianditu/<layer>/<int:z>/<int:x>/<int:y>")
@login_required
def tianditu(layer: str, z: int, x: int, y: int):
    """One Tianditu tile, fetched with the server's key."""
    if layer not in LAYERS:
        raise bad_parameter("layer", layer, one_of(LAYERS))
    if z > MAX_ZOOM or x >= 2**z or y >= 2**z:
        raise bad_parameter(
            "tile", f"{z}/{x}/{y}", Text("a tile of the XYZ grid, zoom 0 to {top}", top=MAX_ZOOM)
        )
    key = current_app.config["TIANDITU_KEY"]
    if not key:
        raise AppError(503, "NoBasemapKey", Text("TIANDITU_KEY is not set; ask the administrator"))
    cached = _cache().get((layer, z, x, y))
    if cached is None:
        url = current_app.config["TIANDITU_URL"].format(layer=layer, z=z, x=x, y=y, key=key)
        request = urllib.request.Request(url, headers={"User-Agent": "MinqingMap/1.0"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as upstream:
                cached = (upstream.read(), upstream.headers.get_content_type())
        except (urllib.error.URLError, TimeoutError) as error:
            reason = getattr(error, "reason", error)
            raise AppError(
                502,
                "BasemapUnavailable",
                Text("Tianditu tile {tile}: {reason}", tile=f"{layer}/{z}/{x}/{y}", reason=reason),
            ) from None
        _cache().put((layer, z, x, y), cached)
    body, mimetype = cached
    return Response(body, mimetype=mimetype, headers={"Cache-Control": "private, max-age=86400"})
