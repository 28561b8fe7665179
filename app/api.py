"""JSON endpoints: natural villages of a township, households of a natural village (masked per role)."""

from flask import Blueprint, Response, request
from flask_login import current_user, login_required

from . import audit, disclosure, params, privacy, queries
from .errors import AppError, not_found
from .extensions import db
from .i18n import Text

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"


@bp.get("/townships/<code>/natural-villages")
@login_required
def township_natural_villages(code: str):
    """Natural villages of a township with their indicator counts and shares (small sensitive ones hidden)."""
    params.only(request.args)
    unit = township(code)
    suppression = disclosure.for_user(current_user)
    body = queries.natural_villages_geojson(suppression=suppression, township_id=unit["id"])
    return Response(body, mimetype=GEOJSON)


def township(code: str) -> dict:
    """Return the township coded `code`: 400 for a malformed code, 404 for an unknown one."""
    unit = queries.admin_unit(params.code(code, what="township"))
    if unit is None or unit["level"] != "township":
        raise not_found("township", code)
    return unit


@bp.get("/natural-villages/<code>/households")
@login_required
def natural_village_households(code: str):
    """Households of a natural village, each field shown, masked or omitted as the role allows."""
    params.only(request.args)
    village = queries.natural_village(params.code(code, what="natural village"))
    if village is None:
        raise not_found("natural village", code)
    detail = privacy.household_detail(current_user, village["village_id"])
    if detail is privacy.Detail.AGGREGATE:
        raise AppError(
            403,
            "Forbidden",
            Text(
                "households of natural village {code!r} are outside your villages; "
                "its counts are in /api/townships/<code>/natural-villages",
                code=code,
            ),
        )
    body = queries.households_geojson(village["id"], privacy.field_rules(detail))
    audit.record("view_households", code, detail=detail.name.lower())
    db.session.commit()
    return Response(body, mimetype=GEOJSON)
