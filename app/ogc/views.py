"""OGC API - Features for GIS staff (QGIS, GDAL): HTTP in, documents out; nothing else happens here."""

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

from .. import audit, errors, indicators, privacy
from ..errors import AppError, not_found
from ..extensions import db
from ..queries import ogc as queries
from . import documents, params, project

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
        return errors.page(error.status, error.message, headers=error.headers)
    return jsonify(code=error.code, description=error.message), error.status, error.headers


def _collection_id(collection_id: str) -> str:
    if collection_id not in documents.COLLECTIONS:
        raise not_found("collection", collection_id)
    return collection_id


def _source(collection_id: str) -> queries.Source:
    """Return the collection's SQL source for the current user (households masked and scoped per role)."""
    if collection_id != "households":
        return _SOURCES[_collection_id(collection_id)]()
    detail, villages = privacy.household_scope(current_user)
    if detail is privacy.Detail.AGGREGATE:
        raise AppError(403, "Forbidden", "no household is in your villages; see natural_villages for counts")
    return queries.households(privacy.field_rules(detail), villages=villages)


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
    params.json_only(request.args)
    config = current_app.config
    queryables = {}
    for collection_id in documents.COLLECTIONS:
        try:
            queryables[collection_id] = _source(collection_id).properties
        except AppError:  # households of a cadre without villages: not offered
            continue
    document = documents.openapi(
        _base(), queryables, default_limit=config["OGC_DEFAULT_LIMIT"], max_limit=config["OGC_MAX_LIMIT"]
    )
    return _json(document, documents.OPENAPI)


@bp.get("/conformance")
def conformance():
    params.json_only(request.args)
    return _json(documents.conformance())


@bp.get("/collections")
def collections():
    html = _html()
    document = documents.collections(_base(), queries.extent(), html=html)
    if html:
        return render_template("ogc/collections.html", document=document)
    return _json(document)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    html = _html()
    document = documents.collection(_base(), _collection_id(collection_id), queries.extent(), html=html)
    if html:
        return render_template("ogc/collections.html", document={"collections": [document], "links": []})
    return _json(document)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    params.json_only(request.args)
    source = _source(collection_id)
    return _json(documents.queryables(_base(), collection_id, source.properties), "application/schema+json")


def _audit(collection_id: str, **detail) -> None:
    """Record who read households (polygons carry only counts); committed before any row is sent."""
    if collection_id == "households":
        audit.record("ogc_households", collection_id, **detail)
        db.session.commit()


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    source = _source(collection_id)
    config = current_app.config
    q = params.items(
        request.args,
        properties=source.properties,
        temporal=source.temporal,
        default_limit=config["OGC_DEFAULT_LIMIT"],
        max_limit=config["OGC_MAX_LIMIT"],
        accept_html=_accepts_html(),
    )
    matched = q.matched if q.matched is not None else queries.number_matched(source, q)
    _audit(collection_id, query=request.query_string.decode()[:500])
    href = f"{_base()}/collections/{collection_id}/items"
    args = request.args.to_dict()
    if q.html:
        rows = queries.features(source, q)
        features = [json.loads(feature) for _, feature in rows[: q.limit]]
        following = None
        if len(rows) > q.limit:
            following = documents.next_link(href, args, params.encode_cursor(rows[q.limit - 1][0], matched))
        return render_template(
            "ogc/items.html",
            title=" ".join(documents.COLLECTIONS[collection_id]),
            names=q.properties or tuple(source.properties),
            label=documents.label,
            features=features,
            matched=matched,
            following=following,
        )
    # The page is read in one round trip, before the response starts, so writing it needs no
    # database session (and a client that stops reading holds no cursor open).
    body = documents.feature_collection(
        queries.features(source, q),
        limit=q.limit,
        matched=matched,
        links=documents.items_links(href, args),
        next_href=lambda key: documents.next_link(href, args, params.encode_cursor(key, matched)),
    )
    return Response(body, mimetype=documents.GEOJSON, headers={"Content-Crs": f"<{q.crs.uri}>"})


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    source = _source(collection_id)
    q = params.item(request.args, accept_html=_accepts_html())
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


@bp.get("/qgis-project.qgs")
def qgis_project():
    """A QGIS project with every layer connected to this service, styled and grouped, in EPSG:4490."""
    detail, _ = privacy.household_scope(current_user)
    households = () if detail is privacy.Detail.AGGREGATE else tuple(_source("households").properties)
    share = f"{indicators.DEFAULT}_share"
    body = project.qgs(
        _base(),
        queries.extent(),
        household_properties=households,
        values={"natural_villages": queries.values(queries.natural_villages(), share)},
    )
    audit.record("qgis_project", "ogc")
    db.session.commit()
    return Response(
        body,
        mimetype="application/x-qgis-project",
        headers={"Content-Disposition": 'attachment; filename="minqing-map.qgs"'},
    )
