"""Help measures entered on the web (六个到户, #11): per poor household, each measure's status and date.

Administrators and the cadres of the household's village enter them; every write is
audited and rebuilds the statistics, so the measures-done indicator moves on every map.
"""

import datetime

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, localtime, params, privacy
from ..errors import AppError, not_found
from ..extensions import db
from ..i18n import gettext as _
from ..queries import pairing, stats
from ..work_models import MEASURE_KINDS, MEASURE_STATUSES
from . import bp

FIELDS = tuple(f"{prefix}_{kind}" for kind in MEASURE_KINDS for prefix in ("status", "on"))


def _household(code: str) -> dict:
    """Return the household coded `code` if the current user may enter its measures (404, 403 else)."""
    found = pairing.household(code)
    if found is None:
        raise not_found("household", code)
    if not privacy.may_enter_measures(current_user, found["village_id"]):
        raise AppError(403, "Forbidden", _("Only administrators and the village's cadres enter measures."))
    return found


def check(form, *, today: datetime.date, poor: bool) -> tuple[list[dict], list[tuple[str, str]]]:
    """Return the measures a form sets (kind, status, status_on) and its problems as (field, message)."""
    entries, problems = [], []
    for kind in MEASURE_KINDS:
        status, day = form.get(f"status_{kind}", ""), form.get(f"on_{kind}", "").strip()
        if not status:
            continue
        if status not in MEASURE_STATUSES:
            problems.append((f"status_{kind}", "Unknown status: planned, under way or done expected."))
        try:
            on = datetime.date.fromisoformat(day)
        except ValueError:
            problems.append((f"on_{kind}", "Date of the measure: YYYY-MM-DD expected."))
            continue
        if on > today:
            problems.append((f"on_{kind}", "The measure cannot be dated in the future."))
        entries.append({"kind": kind, "status": status, "status_on": on})
    if not poor:
        problems.append(("household", "Measures are entered for poor households only."))
    elif not entries and not problems:
        problems.append(("household", "Choose a status for at least one measure."))
    return entries, problems


def _form(household: dict, *, problems=(), values=None, saved: bool = False, status: int = 200):
    current = pairing.measures(household["id"])
    values = values or {}
    page = render_template(
        "work/measures.html",
        household=household,
        kinds=MEASURE_KINDS,
        statuses=MEASURE_STATUSES,
        current=current,
        values=values,
        problems=[(field, _(message)) for field, message in problems],
        saved=saved,
        today=localtime.today(),
    )
    return page, status


@bp.get("/measures/<code>")
@login_required
def measures_form(code: str):
    """The six measures of a poor household, each with its status and date, to change."""
    params.only(request.args, ("saved",))
    return _form(_household(code), saved="saved" in request.args)


@bp.post("/measures/<code>")
@login_required
def save_measures(code: str):
    """Write the measures the form sets; audited; a mistake is told in Chinese beside its field."""
    household = _household(code)
    params.only(request.form, ("csrf_token", *FIELDS))
    entries, problems = check(request.form, today=localtime.today(), poor=household["poor"])
    if problems:
        return _form(household, problems=problems, values=request.form, status=400)
    counts = pairing.save_measures(code, entries, updated_by=current_user.id)
    if counts["inserted"] or counts["updated"]:
        stats.refresh_households([household["id"]])  # measures done on every map, tile and OGC layer
    audit.record(
        "record_measures",
        code,
        measures=[{**e, "status_on": e["status_on"].isoformat()} for e in entries],
        **counts,
    )
    db.session.commit()
    return redirect(url_for("work.measures_form", code=code, saved=1), code=303)
