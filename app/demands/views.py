"""Demand pages: the list with deadlines, the registration form, a demand's timeline and its next actions."""

import re

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, localtime, params, photos, privacy
from ..demand_models import ASSIGNEE_KINDS, CHANNELS, RATINGS, STATES, URGENCIES
from ..errors import AppError, bad_parameter, not_found, one_of
from ..extensions import db
from ..i18n import Text, language, translated
from ..i18n import gettext as _
from ..queries import demands as queries
from ..queries import photos as photo_queries
from . import bp, checks, deadlines, lifecycle

DEPARTMENT_ONLY = "A county department works on and answers the demands assigned to it; nothing else."


def _filters(args) -> queries.Filters:
    """Turn the list's query parameters into one Filters object; a bad one is a 400 naming it."""
    params.only(args, ("state", "kind", "overdue", "village", "before"))
    state, kind = args.get("state") or None, args.get("kind") or None
    if state and state not in STATES:
        raise bad_parameter("state", state, one_of(STATES))
    keys = [k["key"] for k in queries.kinds()]
    if kind and kind not in keys:
        raise bad_parameter("kind", kind, one_of(keys))
    if args.get("overdue", "") not in ("", "1"):
        raise bad_parameter("overdue", args["overdue"], one_of(("1",)))
    village = args.get("village") or None
    if village is not None and not re.fullmatch(r"[0-9]{12}", village):
        raise bad_parameter("village", village, Text("{digits} digits expected", digits=12))
    before = args.get("before") or None
    if before is not None and not params.is_number(before):
        raise bad_parameter("before", before, Text("a demand number"))
    today = localtime.today()
    _, villages = privacy.demand_scope(current_user)
    return queries.Filters(
        today=today,
        soon_until=deadlines.add_working_days(today, deadlines.DUE_SOON_WORKING_DAYS),
        state=state,
        kind=kind,
        overdue=args.get("overdue") == "1",
        village=village,
        villages=villages,
        department=privacy.demand_department(current_user),
        before=int(before) if before else None,
    )


@bp.get("")
@login_required
def demands():
    """List demands, overdue ones highlighted; readers who may not see them get counts only."""
    filters = _filters(request.args)
    rows_allowed, _villages = privacy.demand_scope(current_user)
    rows = queries.listing(filters) if rows_allowed else []
    counts = [] if rows_allowed else queries.counts(filters)
    if rows_allowed:
        audit.record("list_demands", "", count=len(rows), filters=request.args.to_dict())
        db.session.commit()
    return render_template(
        "demands/list.html",
        rows=rows,
        counts=counts,
        rows_allowed=rows_allowed,
        filters=filters,
        kinds=queries.kinds(),
        states=STATES,
        next_before=rows[-1]["id"] if len(rows) == queries.LIST_LIMIT else None,
        may_register=current_user.role_name in ("admin", "cadre"),
    )


def _form(*, problems=(), values=None, status: int = 200):
    page = render_template(
        "demands/form.html",
        kinds=queries.kinds(),
        channels=CHANNELS,
        urgencies=URGENCIES,
        today=localtime.today(),
        values=values or {"household": request.args.get("household", "")},
        problems=[(field, _(message)) for field, message in problems],
    )
    return page, status


def _may_register() -> None:
    if current_user.role_name not in ("admin", "cadre"):
        raise AppError(403, "Forbidden", Text("Only a village's cadres and administrators register demands."))


@bp.get("/new")
@login_required
def new_demand():
    """The registration form (书记接待, 走访, 电话, 来信)."""
    params.only(request.args, ("household",))
    _may_register()
    return _form()


@bp.post("")
@login_required
def register_demand():
    """Register a demand from the form: checked, placed, its deadline set, its first event written."""
    _may_register()
    try:
        photo = photos.receive(request.files.get("photo"))
    except AppError as refused:  # told on the form, beside the other fields, with nothing stored
        problem = ("photo", translated(refused.text, language()))
        return _form(problems=[problem], values=request.form, status=400)
    demand, problems = checks.check(request.form, today=localtime.today())
    if not problems and not privacy.may_handle_demand(current_user, demand["village_id"]):
        problems = [("household", "This place is not in your villages.")]
    if problems:
        return _form(problems=problems, values=request.form, status=400)
    demand_id = queries.insert_demand(demand, user=current_user)
    audit.record("register_demand", str(demand_id), kind=demand["kind"], due_on=str(demand["due_on"]))
    if photo is not None:
        _add_photo(demand_id, photo)
    db.session.commit()
    return redirect(url_for("demands.demand", demand_id=demand_id))


def _readable(demand_id: int) -> tuple[int, str | None]:
    """Return the demand's village and department assignee if the current user may read it; 404 or 403."""
    access = queries.access_of(demand_id)
    if access is None:
        raise not_found("demand", str(demand_id))
    village, department = access
    if not privacy.may_read_demand(current_user, village, department=department):
        raise AppError(403, "Forbidden", Text("You may not see this."))
    return access


@bp.get("/<int:demand_id>")
@login_required
def demand(demand_id: int):
    """A demand: what, who, where, its deadline, its timeline, and the actions allowed next."""
    params.only(request.args)
    village, department = _readable(demand_id)
    row = queries.demand(demand_id)
    open_ = row["state"] in lifecycle.OPEN_STATES
    audit.record("view_demand", str(demand_id))
    db.session.commit()
    return render_template(
        "demands/demand.html",
        d=row,
        flags=deadlines.flags(row["due_on"], localtime.today(), open_=open_),
        events=queries.events(demand_id),
        actions=[
            action
            for action in lifecycle.allowed(row["state"])
            if privacy.may_handle_demand(current_user, village, department=department, action=action)
        ],
        assignee_kinds=ASSIGNEE_KINDS,
        ratings=RATINGS,
        photos=photo_queries.of_demand(demand_id),
        may_add_photo=privacy.may_handle_demand(current_user, village),
    )


def _add_photo(demand_id: int, photo: photos.Received) -> None:
    photo_id = photos.add_to_demand(demand_id, photo)
    audit.record("add_demand_photo", str(demand_id), photo=str(photo_id))


@bp.post("/<int:demand_id>/photos")
@login_required
def add_photo(demand_id: int):
    """Add a photo to a demand (its cadres and administrators); a demand's photos are only ever added."""
    village, _ = _readable(demand_id)
    if not privacy.may_handle_demand(current_user, village):
        raise AppError(403, "Forbidden", Text("Only the village's cadres and administrators handle demands."))
    photo = photos.receive(request.files.get("photo"), required=True)
    _add_photo(demand_id, photo)
    db.session.commit()
    return redirect(url_for("demands.demand", demand_id=demand_id))


@bp.post("/<int:demand_id>/<action>")
@login_required
def act(demand_id: int, action: str):
    """Take one action on a demand: refused (409) from a state it may not start from or an older version."""
    if action not in lifecycle.ACTIONS:
        raise bad_parameter("action", action, one_of(lifecycle.ACTIONS))
    village, department = _readable(demand_id)
    if not privacy.may_handle_demand(current_user, village, department=department, action=action):
        if privacy.demand_department(current_user):
            raise AppError(403, "Forbidden", Text(DEPARTMENT_ONLY))
        raise AppError(403, "Forbidden", Text("Only the village's cadres and administrators handle demands."))
    version = checks.version(request.form)
    if version is None:
        raise bad_parameter("version", request.form.get("version", ""), Text("the version the page showed"))
    note = request.form.get("note", "").strip()
    if len(note) > checks.NOTE_MAX:
        raise bad_parameter("note", note[:20] + "…", Text("at most 500 characters"))
    detail, problems = checks.action_detail(action, request.form)
    if problems:
        field, message = problems[0]
        raise bad_parameter(field, request.form.get(field, ""), Text(message))
    current = queries.lock(demand_id)
    if current["version"] != version:
        raise AppError(
            409,
            "ChangedMeanwhile",
            Text("Changed by {who} meanwhile: reload the demand.", who=current["changed_by"]),
        )
    state = lifecycle.target(action, current["state"])
    if state is None:
        raise AppError(
            409,
            "IllegalTransition",
            Text(
                "The demand is {state}: {action} is not possible from there.",
                state=Text("state " + current["state"]),
                action=Text("action " + action),
            ),
        )
    queries.append_event(demand_id, action, state, user=current_user, note=note, detail=detail)
    audit.record("change_demand", str(demand_id), step=action, state=state, **detail)
    db.session.commit()
    return redirect(url_for("demands.demand", demand_id=demand_id))
