"""Demands on the web map (#12): their vector tiles, and the filters the map and its tiles read.

Their counts change with every demand event and every day (overdue), so they are filed under
their own shared key (`shared_key`: the newest event's id, the county's day and a digest of the
reader's demand scope), which nginx learns with the household tiles' key from ``/tiles/cache-key``
(``X-Demand-Tile-Key``); tiles with demand points are kept by no shared cache, like households.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Mapping

from flask import Response, current_app, request, url_for
from flask_login import current_user, login_required

from .. import localtime, params, privacy
from ..demand_models import STATES
from ..errors import bad_parameter, one_of
from ..i18n import Text
from ..queries import demand_tiles as queries
from ..queries.demands import kinds
from ..tiles import KEY_HEADER, MVT, TileCache, check_tile
from . import bp

FILTERS = ("kind", "state", "since", "until", "assignee")
STATE_CHOICES = ("open", *STATES)
ASSIGNEE_MAX = 50


def _date(args: Mapping[str, str], name: str) -> datetime.date | None:
    value = args.get(name) or None
    if value is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    raise bad_parameter(name, value, Text("a date such as 2026-03-01"))


def map_filters(args: Mapping[str, str]) -> queries.MapFilters:
    """Return the demand map's filters from query parameters; a bad one is a 400 naming it."""
    kind, state = args.get("kind") or None, args.get("state") or None
    keys = [k["key"] for k in kinds()]
    if kind is not None and kind not in keys:
        raise bad_parameter("kind", kind, one_of(keys))
    if state is not None and state not in STATE_CHOICES:
        raise bad_parameter("state", state, one_of(STATE_CHOICES))
    since, until = _date(args, "since"), _date(args, "until")
    if since and until and until < since:
        raise bad_parameter("until", args["until"], Text("a date on or after since ({since})", since=since))
    assignee = (args.get("assignee") or "").strip() or None
    if assignee is not None and (len(assignee) > ASSIGNEE_MAX or not assignee.isprintable()):
        raise bad_parameter("assignee", assignee[:20], Text("a name or mobile of at most 50 characters"))
    return queries.MapFilters(kind=kind, state=state, since=since, until=until, assignee=assignee)


def readable_villages(user) -> frozenset[int] | None:
    """Return the villages whose demands `user` may read one by one (None: all; empty: none)."""
    rows_allowed, villages = privacy.demand_scope(user)
    return villages if rows_allowed else frozenset()


# The header of /tiles/cache-key naming the demand tiles' shared key (deploy/nginx reads it).
SHARED_KEY_HEADER = "X-Demand-Tile-Key"


def scope_of(user) -> tuple:
    """Return what a user's demand tiles hold besides their address, filters and zoom.

    The newest event's id, the county's day (overdue flags), the villages `user` reads demands of
    one by one, the small-count threshold for the others, and the catalogue's kinds (attributes).
    """
    keys = tuple(k["key"] for k in kinds())
    min_count = current_app.config["DISCLOSURE_MIN_COUNT"]
    return queries.version(), localtime.today(), readable_villages(user), min_count, keys


def shared_key(version: int, today: datetime.date, readable, min_count: int, keys: tuple) -> str:
    """Return the key a shared cache files demand tiles without points under (with their URL).

    Equal keys mean equal tiles (the arguments are `scope_of`'s): whatever else comes to shape a
    demand tile per principal must join this digest too.
    """
    scope = [sorted(readable) if readable is not None else None, min_count, list(keys)]
    digest = hashlib.sha256(json.dumps(scope).encode()).hexdigest()[:20]
    return f"d{version}.{today.isoformat()}.{digest}"


def shared_key_of(user) -> str:
    """Return the shared key of the demand tiles `user` receives now (for /tiles/cache-key)."""
    return shared_key(*scope_of(user))


def url_template() -> str:
    """Return the demand tiles' XYZ URL template (filters go in its query string)."""
    return url_for("demands.tile", z=0, x=0, y=0).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")


def _cache() -> TileCache:
    extensions = current_app.extensions
    if "demand_tile_cache" not in extensions:
        extensions["demand_tile_cache"] = TileCache(current_app.config["TILE_CACHE_ITEMS"])
    return extensions["demand_tile_cache"]


@bp.get("/tiles/<int:z>/<int:x>/<int:y>.mvt")
@login_required
def tile(z: int, x: int, y: int):
    """One tile of demands: counts per natural village, points where zoom and role allow."""
    params.only(request.args, FILTERS)
    check_tile(z, x, y)
    filters = map_filters(request.args)
    scope = scope_of(current_user)
    _version, today, readable, min_count, keys = scope
    points = z >= current_app.config["TILE_POINT_MIN_ZOOM"] and (readable is None or bool(readable))
    key = (*scope, points, filters, z, x, y)
    body = _cache().get(key)
    if body is None:
        body = queries.tile(
            z,
            x,
            y,
            filters=filters,
            readable=readable,
            points=points,
            today=today,
            min_count=min_count,
            kinds=list(keys),
        )
        _cache().put(key, body)
    # Demand points name no one but place a family's request: kept in no cache, like household points.
    if points:
        return Response(body, mimetype=MVT, headers={"Cache-Control": "no-store"})
    headers = {"Cache-Control": "private, max-age=60", KEY_HEADER: shared_key(*scope)}
    return Response(body, mimetype=MVT, headers=headers)
