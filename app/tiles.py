"""Vector tiles for the maps and for QGIS: XYZ endpoint, TileJSON, and a per-process tile cache."""

import hashlib
import json
import threading
import time
from collections import OrderedDict

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_login import current_user, login_required

from . import indicators, params, privacy, queries
from .errors import bad_parameter
from .maps.choropleth import quantiles
from .queries import tiles as tile_queries

bp = Blueprint("tiles", __name__)

MVT = "application/vnd.mapbox-vector-tile"
POLYGON_FIELDS = {"fid": "Number", "code": "String", "name": "String", "households": "Number"}
MAX_ZOOM = 20
# The response header naming a tile's shared cache key (read by deploy/nginx, never sent on to clients).
KEY_HEADER = "X-Tile-Key"


class TileCache:
    """A thread-safe least-recently-used map of tile keys to tile bytes."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key, body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _cache() -> TileCache:
    cache = current_app.extensions.get("tile_cache")
    if cache is None:
        cache = current_app.extensions["tile_cache"] = TileCache(current_app.config["TILE_CACHE_ITEMS"])
    return cache


def _stats_version():
    """Return the statistics version, asking the database at most every TILE_VERSION_SECONDS."""
    version = current_app.extensions.setdefault("tile_version", {"value": None, "until": 0.0})
    now = time.monotonic()
    if now >= version["until"]:
        version.update(
            value=tile_queries.stats_version(), until=now + current_app.config["TILE_VERSION_SECONDS"]
        )
    return version["value"]


def shared_key(version, detail: privacy.Detail, villages: frozenset[int] | None) -> str:
    """Return the key a cache shared by principals files a tile without households under (with its z/x/y).

    It is the data version and a digest of everything the principal's scope puts in a tile
    (household points or not, which villages, which flags), so equal keys mean equal tiles:
    an admin and a leader share tiles, a GIS user or a cadre does not share theirs. Whatever
    else comes to shape a tile per principal must join this digest too.
    """
    scope = [
        detail is not privacy.Detail.AGGREGATE,
        sorted(villages) if villages is not None else None,
        [f.key for f in privacy.household_flags(detail)],
    ]
    return f"{version}.{hashlib.sha256(json.dumps(scope).encode()).hexdigest()[:20]}"


def cache_key_of(user) -> str:
    """Return the shared cache key of the tiles `user` receives now."""
    return shared_key(_stats_version(), *privacy.household_scope(user))


def _check(z: int, x: int, y: int) -> None:
    if z > MAX_ZOOM:
        raise bad_parameter("z", str(z), f"0 to {MAX_ZOOM}")
    for name, value in (("x", x), ("y", y)):
        if value >= 2**z:
            raise bad_parameter(name, str(value), f"0 to {2**z - 1} at zoom {z}")


def url_template(*, external: bool = False) -> str:
    """Return the tiles' XYZ URL template, ``…/tiles/{z}/{x}/{y}.mvt``."""
    return url_for("tiles.tile", z=0, x=0, y=0, _external=external).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")


@bp.get("/tiles/<int:z>/<int:x>/<int:y>.mvt")
@login_required
def tile(z: int, x: int, y: int):
    """One tile: natural-village aggregates, and household points where zoom and role allow."""
    params.only(request.args)
    _check(z, x, y)
    detail, villages = privacy.household_scope(current_user)
    points = detail is not privacy.Detail.AGGREGATE and z >= current_app.config["TILE_POINT_MIN_ZOOM"]
    flags = privacy.household_flags(detail) if points else []
    # Whatever changes a tile's content is in its key: the data, the role's scope, the place.
    key = (_stats_version(), points, villages, tuple(f.key for f in flags), z, x, y)
    cache = _cache()
    body = cache.get(key)
    if body is None:
        body = tile_queries.tile(z, x, y, points=points, villages=villages, flags=flags)
        cache.put(key, body)
    headers = {"Cache-Control": "private, max-age=300"}
    if not points:
        # Only tiles without households go into the front server's shared cache: household points
        # are personal data, kept in this process alone, and every read of one reaches the app.
        headers[KEY_HEADER] = shared_key(key[0], detail, villages)
    return Response(body, mimetype=MVT, headers=headers)


@bp.get("/tiles.json")
@login_required
def tilejson():
    """TileJSON 3.0.0 describing the tiles (for Leaflet.VectorGrid, MapLibre and QGIS)."""
    params.only(request.args)
    county = queries.county()
    detail, _ = privacy.household_scope(current_user)
    flags = privacy.household_flags(detail)
    template = url_template(external=True)
    document = {
        "tilejson": "3.0.0",
        "name": "Minqing Map",
        "tiles": [template],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "vector_layers": [
            {"id": "townships", "description": "Townships with indicator counts", "fields": POLYGON_FIELDS},
            {
                "id": "villages",
                "description": "Administrative villages with indicator counts",
                "fields": POLYGON_FIELDS,
            },
            {
                "id": "natural_villages",
                "description": "Natural villages with household counts and shares per indicator",
                "fields": POLYGON_FIELDS,
            },
            {
                "id": "households",
                "description": f"Household points from zoom {current_app.config['TILE_POINT_MIN_ZOOM']}",
                "minzoom": current_app.config["TILE_POINT_MIN_ZOOM"],
                "fields": {"fid": "Number", "code": "String", **{f.key: "Boolean" for f in flags}},
            },
        ],
    }
    if county is not None:
        document["bounds"] = [county["west"], county["south"], county["east"], county["north"]]
    return jsonify(document)


@bp.get("/tiles/style.json")
@login_required
def style():
    """A Mapbox GL style (v8) for the tiles, for QGIS's vector tile connection or MapLibre.

    Natural villages are classed like the web map (quantiles of the default indicator, the
    registry's colours); households are coloured by the first flag the role may see.
    """
    params.only(request.args)
    indicator = indicators.BY_KEY[indicators.DEFAULT]
    classes = quantiles(indicator, tile_queries.share_values(indicator))
    fill: list = ["step", ["coalesce", ["get", f"{indicator.key}_share"], 0]]
    for i, item in enumerate(classes.legend):
        fill += [item.color] if i == 0 else [item.low, item.color]
    detail, _ = privacy.household_scope(current_user)
    circle: list = ["case"]
    for flag in privacy.household_flags(detail):
        circle += [["==", ["get", flag.key], True], flag.symbol]
    circle += ["#ffffff"]
    source = {"type": "vector", "url": url_for("tiles.tilejson", _external=True)}
    line = {"type": "line", "source": "minqing"}
    return jsonify(
        {
            "version": 8,
            "name": f"Minqing Map · {indicator.zh}",
            "sources": {"minqing": source},
            "layers": [
                {
                    "id": "natural_villages",
                    "type": "fill",
                    "source": "minqing",
                    "source-layer": "natural_villages",
                    "paint": {"fill-color": fill if len(fill) > 3 else "#d9d9d9", "fill-opacity": 0.8},
                },
                {
                    **line,
                    "id": "villages",
                    "source-layer": "villages",
                    "paint": {"line-color": "#777777", "line-width": 0.8},
                },
                {
                    **line,
                    "id": "townships",
                    "source-layer": "townships",
                    "paint": {"line-color": "#333333", "line-width": 2},
                },
                {
                    "id": "households",
                    "type": "circle",
                    "source": "minqing",
                    "source-layer": "households",
                    "minzoom": current_app.config["TILE_POINT_MIN_ZOOM"],
                    "paint": {
                        "circle-radius": 4,
                        "circle-color": circle if len(circle) > 2 else "#ffffff",
                        "circle-stroke-color": "#333333",
                        "circle-stroke-width": 1,
                    },
                },
            ],
        }
    )
