"""The phone visit form: find the household, tick what was found, send; queued in the browser when offline."""

import uuid

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, localtime, params, photos, privacy
from ..errors import AppError, not_found
from ..extensions import db
from ..i18n import Text
from ..i18n import gettext as _
from ..queries import photos as photo_queries
from ..queries import stats, work_lists
from ..queries import work as work_queries
from ..work_models import VISIT_KINDS, VISIT_TICKS
from . import bp, checks


def my_cadre() -> dict:
    """Return the cadre the current user logs in as; 403 for users who are no cadre."""
    found = work_lists.cadre(user_id=current_user.id)
    if found is None:
        raise AppError(403, "Forbidden", _("Only a cadre in the register records visits."))
    return found


def _form(cadre: dict, *, problems=(), values=None, saved: str = "", status: int = 200):
    rules = privacy.field_rules(privacy.household_detail(current_user, cadre["village_id"]))
    named = rules["head_name"] is privacy.Rule.SHOW
    households = [
        {"code": h["code"], "head_name": h["head_name"] if named else ""}
        for h in work_lists.my_households(cadre["id"])
    ]
    values = values or {"household": request.args.get("household", "")}
    page = render_template(
        "work/visit_form.html",
        cadre=cadre,
        households=households,
        kinds=VISIT_KINDS,
        ticks=VISIT_TICKS,
        uid=uuid.uuid4(),
        today=localtime.today(),
        values=values,
        problems=[(field, _(message)) for field, message in problems],
        saved=saved,
    )
    return page, status


@bp.get("/visits/new")
@login_required
def visit_form():
    """The form a cadre fills in on the phone after a visit."""
    params.only(request.args, ("household", "saved"))
    return _form(my_cadre(), saved=request.args.get("saved", ""))


@bp.post("/visits")
@login_required
def record_visit():
    """Write a visit sent by the form (or its offline queue, as JSON); a uid sent twice is stored once."""
    cadre = my_cadre()
    form = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(form, dict) and not hasattr(form, "getlist"):
        raise AppError(400, "InvalidVisit", "a JSON object or a form expected")
    photo = photos.receive(request.files.get("photo"))  # a form sent without its script may carry one
    visit, problems = checks.check(form, cadre=cadre, today=localtime.today())
    if problems:
        if request.is_json:
            listed = [{"field": field, "message": _(message)} for field, message in problems]
            message = "; ".join(p["message"] for p in listed)
            return jsonify(code="InvalidVisit", message=message, problems=listed), 400
        return _form(cadre, problems=problems, values=form, status=400)
    result = work_queries.insert_visit(visit, source="form", created_by=current_user.id)
    if result["stored"]:
        stats.refresh_households([visit["household_id"]])  # coverage on every map, tile and OGC layer
    audit.record(
        "record_visit",
        visit["household_code"],
        uid=str(visit["uid"]),
        stored=result["stored"],
        at=[visit["lon"], visit["lat"]] if visit["lon"] is not None else None,
    )
    if photo is not None:
        _attach(photo_queries.visit(visit["uid"]), photo)
    db.session.commit()
    if request.is_json:
        body = {"uid": str(visit["uid"]), "household": visit["household_code"], **result}
        return jsonify(body), 201 if result["stored"] else 200
    return redirect(url_for("work.visit_form", saved=visit["household_code"]))


def _attach(visit: dict, photo: photos.Received) -> dict:
    """Keep a visit's photo, audit it, and return its checks with the warnings in the reader's language."""
    checked = photos.attach_to_visit(visit, photo)
    flags, distance_m = list(checked["flags"]), checked["distance_m"]
    audit.record("add_visit_photo", str(checked["photo_id"]), flags=flags, stored=checked["stored"])
    return {
        "photo": str(checked["photo_id"]),
        "stored": checked["stored"],
        "distance_m": distance_m,
        "flags": flags,
        "warnings": photos.photo_warnings(distance_m, flags, checked["taken_at"], visit["visited_on"]),
    }


@bp.post("/visits/<uuid:uid>/photo")
@login_required
def visit_photo(uid: uuid.UUID):
    """Keep the photo of a visit the cadre recorded (sent after the visit, by the form's queue).

    Checked against the household (where and when taken); a far or undated photo is kept and flagged.
    Sent twice, kept once (200 with the first one's checks).
    """
    cadre = my_cadre()
    photo = photos.receive(request.files.get("photo"), required=True)
    visit = photo_queries.visit(uid)
    if visit is None:
        raise not_found("visit", str(uid))
    if visit["cadre_id"] != cadre["id"]:
        raise AppError(403, "Forbidden", Text("Only the cadre who recorded the visit adds its photo."))
    body = _attach(visit, photo)
    db.session.commit()
    return jsonify(body), 201 if body["stored"] else 200
