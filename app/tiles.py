"""Vector tiles for the maps and for QGIS: XYZ endpoint, TileJSON, and a per-process tile cache."""

import hashlib
import json
import threading
import time
from collections import OrderedDict

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_login import current_user, login_required

from . import audit, disclosure, indicators, localtime, params, privacy, queries, sprites, tile_style
from .errors import bad_parameter
from .i18n import Text
from .maps.choropleth import quantiles
from .queries import stats
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
        version.update(value=stats.version(), until=now + current_app.config["TILE_VERSION_SECONDS"])
    return version["value"]


def shared_key(version, detail: privacy.Detail, villages: frozenset[int] | None, known: tuple) -> str:
    """Return the key a cache shared by principals files a tile without households under (with its z/x/y).

    It is the data version and a digest of everything the principal's scope puts in a tile
    (household points or not, which villages, which flags, which sensitive counts are withheld:
    `known` is `disclosure.scope`), so equal keys mean equal tiles:
    an admin and a leader share tiles, a GIS user or a cadre does not share theirs. Whatever
    else comes to shape a tile per principal must join this digest too.
    """
    scope = [
        detail is not privacy.Detail.AGGREGATE,
        sorted(villages) if villages is not None else None,
        [f.key for f in privacy.household_flags(detail)],
        [(key, sorted(seen) if seen is not None else None) for key, seen in known],
    ]
    return f"{version}.{hashlib.sha256(json.dumps(scope).encode()).hexdigest()[:20]}"


def cache_key_of(user) -> str:
    """Return the shared cache key of the tiles `user` receives now."""
    return shared_key(_stats_version(), *privacy.household_scope(user), disclosure.scope(user))


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse a tile address outside the tile matrix (400 naming z, x or y)."""
    if z > MAX_ZOOM:
        raise bad_parameter("z", str(z), Text("0 to {top}", top=MAX_ZOOM))
    for name, value in (("x", x), ("y", y)):
        if value >= 2**z:
            raise bad_parameter(name, str(value), Text("0 to {top} at zoom {z}", top=2**z - 1, z=z))


def url_template(*, external: bool = False) -> str:
    """Return the tiles' XYZ URL template, ``…/tiles/{z}/{x}/{y}.mvt``."""
    return url_for("tiles.tile", z=0, x=0, y=0, _external=external).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")


@bp.get("/tiles/<int:z>/<int:x>/<int:y>.mvt")
@login_required
def tile(z: int, x: int, y: int):
    """One tile: natural-village aggregates, and household points where zoom and role allow.

    `?as_of=YYYY-MM-DD` gives them as they were at the end of that day in the county (#13).
    """
    params.only(request.args, ("as_of",))
    check_tile(z, x, y)
    day = params.as_of(request.args, today=localtime.today())
    detail, villages = privacy.household_scope(current_user)
    points = detail is not privacy.Detail.AGGREGATE and z >= current_app.config["TILE_POINT_MIN_ZOOM"]
    flags = privacy.household_flags(detail) if points else []
    # Whatever changes a tile's content is in its key: the data, the role's scope, the place.
    known = disclosure.scope(current_user)  # which sensitive counts the polygons may carry
    key = (_stats_version(), points, villages, tuple(f.key for f in flags), known, z, x, y, day)
    cache = _cache()
    body = cache.get(key)
    if body is None:
        suppression = disclosure.for_scope(known)
        body = tile_queries.tile(
            z,
            x,
            y,
            points=points,
            villages=villages,
            flags=flags,
            suppression=suppression,
            as_of=localtime.end_of(day) if day else None,
        )
        cache.put(key, body)
    if points:  # a cached tile is read as much as a fresh one
        audit.tile_read(current_user, z, x, y, villages=villages)
    # Household points are personal data: kept in no browser cache (a shared office PC's least of all),
    # nor in the front server's shared cache, so every read of one reaches the app and its audit.
    headers = {"Cache-Control": "no-store" if points else "private, max-age=300"}
    if not points:
        headers[KEY_HEADER] = shared_key(key[0], detail, villages, known)
    return Response(body, mimetype=MVT, headers=headers)


@bp.get("/tiles.json")
@login_required
def tilejson():
    """TileJSON 3.0.0 describing the tiles (for VectorGrid, MapLibre and QGIS); `?as_of=`: a past day's."""
    params.only(request.args, ("as_of",))
    day = params.as_of(request.args, today=localtime.today())
    county = queries.county()
    detail, _ = privacy.household_scope(current_user)
    flags = privacy.household_flags(detail)
    template = url_template(external=True) + (f"?as_of={day}" if day else "")
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


def _style_flags() -> list[indicators.Indicator]:
    """Return the flags households are coloured by: the reader's role's, else those every role sees."""
    if not current_user.is_authenticated:
        return privacy.household_flags(privacy.Detail.MASKED)
    detail, _ = privacy.household_scope(current_user)
    return privacy.household_flags(detail)


@bp.get("/tiles/style.json")
def style():
    """A Mapbox GL style (v8) for the tiles, for QGIS's vector tile connection or MapLibre.

    Served without a login, because QGIS fetches a connection's style without the connection's
    authentication. It holds styling only (the registry's colours and flag names, and the class
    breaks of the natural villages' shares); the tiles it draws still need a login. Natural
    villages are classed like the web map; households are coloured by the flags the reader's
    role may see (anonymous readers: those of every role that sees points). Classes are one
    layer each with a plain filter: QGIS 3.22's converter skips `step` and `case`.
    """
    params.only(request.args)
    indicator = indicators.BY_KEY[indicators.DEFAULT]
    classes = quantiles(indicator, tile_queries.share_values(indicator))
    rules = tile_style.rules(
        classes, _style_flags(), point_min_zoom=current_app.config["TILE_POINT_MIN_ZOOM"]
    )
    response = jsonify(
        {
            "version": 8,
            "name": f"Minqing Map · {indicator.zh}",
            "sources": {"minqing": {"type": "vector", "url": url_for("tiles.tilejson", _external=True)}},
            # MapLibre appends ".json", ".png" and "@2x" itself.
            "sprite": url_for("tiles.sprite", ratio="", ext="json", _external=True).removesuffix(".json"),
            "layers": [tile_style.mapbox_layer(rule, "minqing") for rule in rules],
        }
    )
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Vary"] = "Cookie, Authorization"
    return response


@bp.get("/tiles/sprite<any('', '@2x'):ratio>.<any(json, png):ext>")
def sprite(ratio: str, ext: str):
    """The style's sprite: every flag's chip (the registry's colours and marks only, so no login)."""
    params.only(request.args)
    index, image = sprites.sprite(2 if ratio else 1)
    response = (
        Response(index, mimetype="application/json")
        if ext == "json"
        else Response(image, mimetype="image/png")
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
