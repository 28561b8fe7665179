"""OGC API - Features for GIS staff (QGIS, GDAL): HTTP in, documents out; nothing else happens here."""

import datetime
import json

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import audit, disclosure, errors, indicators, localtime, privacy, tile_style, tiles
from .. import params as app_params
from ..errors import AppError, bad_parameter, not_found
from ..extensions import db
from ..i18n import Text, language, translated
from ..maps.choropleth import quantiles
from ..queries import ogc as queries
from ..queries import tiles as tile_queries
from . import chains, documents, params, project

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

_SOURCES = {
    "townships": queries.townships,
    "villages": queries.villages,
    "natural_villages": queries.natural_villages,
}


def _accepts_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"])
    return best == "text/html"


def _html() -> bool:
    return params.output_format(request.args, accept_html=_accepts_html())


def _base() -> str:
    return url_for("ogc.landing", _external=True).rstrip("/")


def _json(document: dict, kind: str = "application/json", **headers) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), mimetype=kind, headers=headers)


@bp.before_request
def require_login():
    """Let in only users: browsers go to the login form, programs get 401 with a Basic challenge."""
    if current_user.is_authenticated:
        return None
    if _accepts_html() and "Authorization" not in request.headers:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    response = jsonify(code="Unauthorized", description="log in: HTTP Basic, Bearer token or X-API-Token")
    response.headers["WWW-Authenticate"] = 'Basic realm="Minqing Map"'
    return response, 401


@bp.errorhandler(AppError)
def ogc_error(error: AppError):
    """Render an error the OGC way: {"code": ..., "description": ...}."""
    if _accepts_html() and request.args.get("f") != "json":
        return errors.page(error.status, translated(error.text, language()), headers=error.headers)
    description = translated(error.text, language(default="en"))
    return jsonify(code=error.code, description=description), error.status, error.headers


def _collection_id(collection_id: str) -> str:
    if collection_id not in documents.COLLECTIONS:
        raise not_found("collection", collection_id)
    return collection_id


# Pairings and visits: one by one only for roles that see households named (privacy.work_scope).
_WORK = {"pairings": queries.pairings, "visits": queries.visits}


DEMANDS = "demands"


def _visible() -> tuple[str, ...]:
    """Return the collections the current user may read: pairings, visits and demands not for gis."""
    hidden = set() if privacy.work_scope(current_user) is not None else set(_WORK)
    if not privacy.demand_scope(current_user)[0]:
        hidden.add(DEMANDS)
    return tuple(cid for cid in documents.COLLECTIONS if cid not in hidden)


def _demands() -> queries.Source:
    """Return the demands the current user lists one by one; 403 for gis (counts only, as on the pages)."""
    rows, villages = privacy.demand_scope(current_user)
    if not rows:
        raise AppError(403, "Forbidden", privacy.DEMANDS_FORBIDDEN)
    return queries.demands(villages=villages, department=privacy.demand_department(current_user))


def _work_scope() -> tuple[dict, frozenset[int] | None]:
    """Return the current user's rules and villages for pairings and visits; 403 for a counts-only role."""
    scope = privacy.work_scope(current_user)
    if scope is None:
        raise AppError(403, "Forbidden", privacy.WORK_FORBIDDEN)
    return scope


def _as_of(collection_id: str) -> datetime.datetime | None:
    """Return the last moment of the day `?as_of=` asks for (households only: a vendor parameter, #13)."""
    day = app_params.as_of(request.args, today=localtime.today())
    if day is None:
        return None
    if collection_id != "households":
        raise bad_parameter("as_of", str(day), Text("only the households collection has as_of"))
    return localtime.end_of(day)


def _source(collection_id: str, *, as_of: datetime.datetime | None = None) -> queries.Source:
    """Return the collection's SQL source for the current user (masked, scoped and suppressed per role).

    Households are those of moment `as_of` when given.
    """
    if collection_id in _WORK:
        rules, villages = _work_scope()
        return _WORK[collection_id](rules, villages=villages)
    if collection_id == DEMANDS:
        return _demands()
    if collection_id != "households":
        return _SOURCES[_collection_id(collection_id)](disclosure.for_user(current_user))
    detail, villages = privacy.household_scope(current_user)
    if detail is privacy.Detail.AGGREGATE:
        raise AppError(403, "Forbidden", "no household is in your villages; see natural_villages for counts")
    return queries.households(privacy.field_rules(detail), villages=villages, as_of=as_of)


@bp.get("")
@bp.get("/")
def landing():
    html = _html()
    document = documents.landing(_base(), html=html)
    if html:
        return render_template("ogc/landing.html", document=document)
    return _json(document)


@bp.get("/api")
def openapi():
    html = _html()
    config = current_app.config
    queryables = {}
    for collection_id in _visible():
        try:
            queryables[collection_id] = _source(collection_id).properties
        except AppError:  # households of a cadre without villages: not offered
            continue
    document = documents.openapi(
        _base(), queryables, default_limit=config["OGC_DEFAULT_LIMIT"], max_limit=config["OGC_MAX_LIMIT"]
    )
    if html:
        return render_template("ogc/api.html", document=document)
    return _json(document, documents.OPENAPI)


@bp.get("/conformance")
def conformance():
    html = _html()
    document = documents.conformance()
    if html:
        return render_template("ogc/conformance.html", document=document)
    return _json(document)


def _interval(collection_id: str) -> tuple | None:
    """Return the first and last update of the collection's features the user may read; None without times."""
    try:
        source = _source(collection_id)
    except AppError:  # households of a cadre without villages
        return None
    return queries.time_extent(source) if source.temporal else None


@bp.get("/collections")
def collections():
    html = _html()
    intervals = {cid: _interval(cid) for cid in _visible()}
    document = documents.collections(_base(), queries.extent(), intervals=intervals, html=html)
    if html:
        return render_template("ogc/collections.html", document=document)
    return _json(document)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    html = _html()
    collection_id = _collection_id(collection_id)
    if collection_id in _WORK:
        _work_scope()
    if collection_id == DEMANDS:
        _demands()
    interval = _interval(collection_id)
    document = documents.collection(_base(), collection_id, queries.extent(), interval=interval, html=html)
    if html:
        return render_template("ogc/collections.html", document={"collections": [document], "links": []})
    return _json(document)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    html = _html()
    source = _source(collection_id)
    document = documents.queryables(_base(), collection_id, source.properties)
    if html:
        return render_template("ogc/queryables.html", document=document)
    return _json(document, "application/schema+json")


def _audit(collection_id: str, **detail) -> None:
    """Record who read households, pairings, visits or demands (polygons: counts only); committed first."""
    if collection_id in ("households", DEMANDS, *_WORK):
        audit.record(f"ogc_{collection_id}", collection_id, **detail)
        db.session.commit()


def _audit_listing(collection_id: str, chain: chains.Chain, position: chains.Position | None) -> None:
    """Audit a page that begins a listing; the next pages of a listing, and GDAL's restart, are not."""
    if position is not None and position.verified:
        return
    listings = current_app.extensions.setdefault("ogc_listings", chains.Listings())
    query = request.query_string.decode()[:500]
    if position is not None:  # a cursor we did not sign for this reader and query
        _audit(collection_id, query=query, cursor="unverified")
    elif not listings.recent(chain.key):
        _audit(collection_id, query=query)
        listings.remember(chain.key)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    source = _source(collection_id, as_of=_as_of(collection_id))
    config = current_app.config
    chain = chains.Chain(
        config["SECRET_KEY"],
        reader=current_user.id,
        collection=collection_id,
        args=request.args.items(multi=True),
    )
    position = chain.read(request.args.get("cursor"))
    q = params.items(
        request.args,
        properties=source.properties,
        temporal=source.temporal,
        default_limit=config["OGC_DEFAULT_LIMIT"],
        max_limit=config["OGC_MAX_LIMIT"],
        position=position,
        accept_html=_accepts_html(),
    )
    # Counted on a listing's first page only: a count carried on would be wrong once households
    # change mid-listing, and one per page would cost a scan per page (OGC makes it optional).
    matched = queries.number_matched(source, q) if position is None else None
    _audit_listing(collection_id, chain, position)
    href = f"{_base()}/collections/{collection_id}/items"
    args = request.args.to_dict()

    def next_href(key: str) -> str:
        return documents.next_link(href, args, chain.write(key), limit=q.limit)

    if q.html:
        rows = queries.features(source, q)
        return render_template(
            "ogc/items.html",
            title=" ".join(documents.COLLECTIONS[collection_id]),
            names=q.properties or tuple(source.properties),
            label=documents.label,
            features=[json.loads(feature) for _, feature in rows[: q.limit]],
            matched=matched,
            following=next_href(rows[q.limit - 1][0]) if len(rows) > q.limit else None,
        )
    # The page is read in one round trip, before the response starts, so writing it needs no
    # database session (and a client that stops reading holds no cursor open).
    body = documents.feature_collection(
        queries.features(source, q),
        limit=q.limit,
        matched=matched,
        links=documents.items_links(href, args),
        next_href=next_href,
    )
    return Response(body, mimetype=documents.GEOJSON, headers={"Content-Crs": f"<{q.crs.uri}>"})


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    source = _source(collection_id)
    q = params.item(request.args, feature_id=feature_id, accept_html=_accepts_html())
    text = queries.feature(source, feature_id, q)
    if text is None:
        raise not_found(f"feature of {collection_id}", feature_id)
    _audit(collection_id, feature=feature_id)
    document = documents.feature(text, _base(), collection_id, feature_id)
    if q.html:
        return render_template(
            "ogc/items.html",
            title=" ".join(documents.COLLECTIONS[collection_id]),
            names=tuple(document["properties"]),
            label=documents.label,
            features=[document],
            matched=1,
            following=None,
        )
    return _json(document, documents.GEOJSON, **{"Content-Crs": f"<{q.crs.uri}>"})


def _demand_style() -> project.DemandStyle:
    """Return the demands' style in QGIS: each state's colour as on the web map, labelled zh and en."""
    from ..demands.lifecycle import OVERDUE_RING, STATE_COLOURS  # a blueprint's package: imported late

    def label(key: str, english: str) -> str:
        return f"{translated(key, 'zh')} {english}"

    states = {
        state: (label(f"state {state}", state.replace("_", " ").capitalize()), colour)
        for state, colour in STATE_COLOURS.items()
    }
    return project.DemandStyle(states, (label("overdue", "Overdue"), OVERDUE_RING))


@bp.get("/qgis-project.qgs")
def qgis_project():
    """A QGIS project with every layer connected to this service, styled and grouped, in EPSG:4490."""
    detail, _ = privacy.household_scope(current_user)
    households = () if detail is privacy.Detail.AGGREGATE else tuple(_source("households").properties)
    indicator = indicators.BY_KEY[indicators.DEFAULT]
    classes = quantiles(indicator, tile_queries.share_values(indicator))
    body = project.qgs(
        _base(),
        queries.extent(),
        tiles=tiles.url_template(external=True),
        household_properties=households,
        classes=classes,
        tile_rules=tile_style.rules(
            classes,
            privacy.household_flags(detail),
            point_min_zoom=current_app.config["TILE_POINT_MIN_ZOOM"],
        ),
        work=privacy.work_scope(current_user) is not None,
        demands=_demand_style() if privacy.demand_scope(current_user)[0] else None,
    )
    audit.record("qgis_project", "ogc")
    db.session.commit()
    return Response(
        body,
        mimetype="application/x-qgis-project",
        headers={"Content-Disposition": 'attachment; filename="minqing-map.qgs"'},
    )
