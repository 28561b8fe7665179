"""A household's members edited on its card (#13): add, change, remove one member.

Administrators and the cadres of the household's village edit them (the card shows the
forms to them only); every value is checked here, in `member_values`, and every write
is audited. The household's counts follow from the members in the database.
"""

import datetime

import pandas as pd
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required

from . import audit, localtime, privacy
from .errors import AppError, bad_parameter, not_found, one_of
from .extensions import db
from .i18n import Text
from .importers.household_checks import id_reasons
from .models import RELATIONS
from .queries import members as sql
from .queries import stats

bp = Blueprint("members", __name__, url_prefix="/households")

FLAGS = ("disabled", "student", "migrant_worker", "left_behind_child", "insured")
LEFT_BEHIND_AGE = 16


def _household(code: str) -> dict:
    """Return the household coded `code` if the current user may edit its members (404, 403 else)."""
    found = sql.households([code]).get(code)
    if found is None:
        raise not_found("household", code)
    if not privacy.may_edit_members(current_user, found["village_id"]):
        raise AppError(403, "Forbidden", Text("Only administrators and the village's cadres edit members."))
    return found


class _Worded(Text):
    """A reason the importers word in both languages (English, zh-CN), shown in the reader's."""

    def __init__(self, reason: tuple[str, str]):
        super().__init__(reason[0])
        self.reason = reason

    def render(self, lang: str) -> str:
        return self.reason[1] if lang == "zh" else self.reason[0]


def _empty(number: str) -> tuple[str, str] | None:
    return ("an ID number is required", "请填写身份证号") if not number else None


def _text(form, name: str, *, longest: int, required: bool = False) -> str | None:
    value = form.get(name, "").strip()
    if required and not value:
        raise bad_parameter(name, value, Text("a value is required"))
    if len(value) > longest:
        raise bad_parameter(name, value, Text("at most {n} characters", n=longest))
    return value or None


def member_values(form, *, today: datetime.date) -> dict:
    """Return a member's values from a card's form, or raise a 400 naming the first bad field."""
    values = {
        "name": _text(form, "name", longest=32, required=True),
        "migrant_place": _text(form, "migrant_place", longest=64),
    }
    relation = form.get("relation", "")
    if relation not in RELATIONS:
        raise bad_parameter("relation", relation, one_of(RELATIONS))
    number = form.get("id_number", "").strip().upper()
    if (reason := id_reasons(pd.Series([number]), today=today)[0] or _empty(number)) is not None:
        raise bad_parameter("id_number", number, _Worded(reason))
    born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    typed = form.get("birth_date", "").strip()
    if typed and typed != born.isoformat():
        raise bad_parameter(
            "birth_date", typed, Text("the ID number's birth date, {day}", day=born.isoformat())
        )
    sex = "M" if int(number[16]) % 2 else "F"
    if form.get("sex", sex) not in ("", sex):
        raise bad_parameter("sex", form["sex"], Text("the ID number's, {sex}", sex=sex))
    for flag in FLAGS:
        if form.get(flag, "") not in ("", "1"):
            raise bad_parameter(flag, form[flag], one_of(("1", "")))
        values[flag] = form.get(flag) == "1"
    age = (today - born).days / 365.2425
    if values["left_behind_child"] and age >= LEFT_BEHIND_AGE:
        raise bad_parameter("left_behind_child", "1", Text("a left-behind child is under 16"))
    return {**values, "relation": relation, "id_number": number, "birth_date": born, "sex": sex}


def _saved(code: str, action: str, **detail):
    """Audit the change, refresh the statistics the counts feed, commit, and go back to the card."""
    audit.record(action, code, **detail)
    stats.refresh_households(codes=[code])  # its natural village's counts on every map, tile and layer
    db.session.commit()
    return redirect(url_for("pages.household", code=code, _anchor="members"), code=303)


def _one_head(household_id: int, values: dict, *, besides: int | None = None) -> None:
    if values["relation"] == "head" and sql.heads(household_id, besides=besides):
        raise bad_parameter("relation", "head", Text("the household has a head already"))


@bp.post("/<code>/members")
@login_required
def add(code: str):
    """Add a member to the household."""
    household = _household(code)
    values = member_values(request.form, today=localtime.today())
    _one_head(household["id"], values)
    member_id = sql.save_member(household["id"], values)
    return _saved(code, "add_member", member=member_id)


@bp.post("/<code>/members/<int:member_id>")
@login_required
def change(code: str, member_id: int):
    """Change a member of the household."""
    household = _household(code)
    values = member_values(request.form, today=localtime.today())
    _one_head(household["id"], values, besides=member_id)
    if sql.save_member(household["id"], values, member_id=member_id) is None:
        raise not_found("member", str(member_id))
    return _saved(code, "change_member", member=member_id)


@bp.post("/<code>/members/<int:member_id>/remove")
@login_required
def remove(code: str, member_id: int):
    """Remove a member from the household."""
    household = _household(code)
    if not sql.remove_member(household["id"], member_id):
        raise not_found("member", str(member_id))
    return _saved(code, "remove_member", member=member_id)
