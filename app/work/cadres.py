"""A village's cadre register on the web (干部名册, #11): who works there, their posts, patches and logins.

Leaders and the village's cadres read it; administrators and the village's own secretary
(`app.privacy.may_edit_cadres`) add cadres, change them, give them a login and a patch (分片包干:
whole natural villages and single households of the village). A cadre is never deleted — visits
and pairings name them — but marked inactive. Every change is audited.
"""

import re

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, params, privacy
from ..errors import AppError, not_found
from ..extensions import db
from ..i18n import gettext as _
from ..importers.cadres import SEPARATORS
from ..queries import areas
from ..queries import cadres as sql
from ..work_models import CADRE_ROLES
from . import bp

FIELDS = ("name", "unit", "phone", "role", "duty", "username", "active", "natural_villages", "households")


def _village(code: str) -> dict:
    """Return the village coded `code` if the current user may read its register (404, 403 else)."""
    unit = areas.area(params.code(code, what="village"))
    if unit is None or unit["level"] != "village":
        raise not_found("village", code)
    if not privacy.may_read_cadres(current_user, unit["id"]):
        raise AppError(403, "Forbidden", _("You may not see this village's cadres."))
    return unit


def _may_edit(village: dict) -> bool:
    return privacy.may_edit_cadres(current_user, village["id"], sql.secretary_villages(current_user.id))


def _editable(code: str) -> dict:
    village = _village(code)
    if not _may_edit(village):
        refusal = _("Only administrators and the village's secretary change its cadres.")
        raise AppError(403, "Forbidden", refusal)
    return village


def check(form, village: dict, cadre_id: int | None) -> tuple[dict, list[tuple[str, str]]]:
    """Return a cadre's values from `form` and the problems as (field, message)."""
    values = {k: form.get(k, "").strip() for k in ("name", "unit", "phone", "role", "duty", "username")}
    values["active"] = form.get("active") == "1"
    values["natural_villages"] = form.getlist("natural_villages")
    values["households"] = [c for c in re.split(SEPARATORS, form.get("households", "")) if c]
    problems = []
    if not 1 <= len(values["name"]) <= 32:
        problems.append(("name", "Name: 1 to 32 characters."))
    if len(values["unit"]) > 100:
        problems.append(("unit", "Unit: at most 100 characters."))
    if len(values["duty"]) > 16:
        problems.append(("duty", "Post: at most 16 characters."))
    if values["role"] not in CADRE_ROLES:
        problems.append(("role", "Choose 村两委, 驻村干部 or 部门帮扶干部."))
    if not re.fullmatch(r"1[3-9][0-9]{9}", values["phone"]):
        problems.append(("phone", "Mobile number: 11 digits starting with 1 expected."))
    elif (holder := sql.phone_holder(values["phone"])) and holder["id"] != cadre_id:
        problems.append(("phone", "This mobile number belongs to another cadre."))
    known = {nv["code"] for nv in sql.natural_villages(village["id"])}
    if any(code not in known for code in values["natural_villages"]):
        problems.append(("natural_villages", "A natural village of the patch is not in this village."))
    if sql.households_outside(village["id"], values["households"]):
        problems.append(("households", "A household of the patch is not in this village."))
    values["user_id"] = None
    if values["username"]:
        login = sql.login_of(values["username"])
        if login is None or login["role"] != "cadre":
            problems.append(("username", "No cadre login has this username."))
        elif login["cadre_id"] not in (None, cadre_id):
            problems.append(("username", "This login belongs to another cadre."))
        else:
            values["user_id"] = login["id"]
    return values, problems


def _page(village: dict, *, editing: dict | None = None, problems=(), values=None, status: int = 200):
    page = render_template(
        "work/cadres.html",
        village=village,
        trail=areas.lineage(village),
        cadres=sql.register(village["id"]),
        natural_villages=sql.natural_villages(village["id"]),
        roles=CADRE_ROLES,
        may_edit=_may_edit(village),
        editing=editing,
        values=values if values is not None else (editing or {"active": True}),
        problems=[(field, _(message)) for field, message in problems],
        saved="saved" in request.args,
    )
    return page, status


def _cadre_of(village: dict, cadre_id: int) -> dict:
    found = sql.cadre(cadre_id)
    if found is None or found["village_id"] != village["id"]:
        raise not_found("cadre", str(cadre_id))
    return found


@bp.get("/cadres/<code>")
@login_required
def cadres(code: str):
    """The village's cadres with their posts, phones, patches and logins; a form to add one."""
    params.only(request.args, ("saved",))
    return _page(_village(code))


@bp.get("/cadres/<code>/<int:cadre_id>")
@login_required
def cadre(code: str, cadre_id: int):
    """The register with one cadre's form filled in, to change."""
    params.only(request.args, ("saved",))
    village = _editable(code)
    found = _cadre_of(village, cadre_id)
    values = {**found, "natural_villages": [nv.split()[0] for nv in found["natural_villages"]]}
    return _page(village, editing=found, values=values)


@bp.post("/cadres/<code>")
@login_required
def add_cadre(code: str):
    """Add a cadre to the village's register."""
    return _save(code, None)


@bp.post("/cadres/<code>/<int:cadre_id>")
@login_required
def save_cadre(code: str, cadre_id: int):
    """Change a cadre of the village's register."""
    return _save(code, cadre_id)


def _save(code: str, cadre_id: int | None):
    """Write a cadre with their patch and login; audited; mistakes told beside their field."""
    village = _editable(code)
    editing = _cadre_of(village, cadre_id) if cadre_id is not None else None
    params.only(request.form, ("csrf_token", *FIELDS))
    values, problems = check(request.form, village, cadre_id)
    if problems:
        shown = {**values, "households": request.form.get("households", "")}
        return _page(village, editing=editing, problems=problems, values=shown, status=400)
    saved = sql.save(cadre_id, village["id"], values, user_id=values["user_id"])
    audit.record(
        "edit_cadre" if editing else "add_cadre",
        code,
        cadre=saved,
        phone=values["phone"],
        active=values["active"],
        patch={"natural_villages": values["natural_villages"], "households": values["households"]},
    )
    db.session.commit()
    return redirect(url_for("work.cadres", code=code, saved=1), code=303)
