"""Lists of what is left to do: a cadre's households due for a visit; poor households without a helper."""

from flask import render_template, request
from flask_login import current_user, login_required

from .. import audit, localtime, params, privacy
from ..api import township
from ..errors import AppError, not_found
from ..extensions import db
from ..i18n import gettext as _
from ..queries import work_lists
from . import bp, holidays


def cadre_of(args) -> dict:
    """Return the cadre `?cadre=<phone>` names, else the one the current user logs in as (404 if none)."""
    if "cadre" in args:
        phone = params.phone(args["cadre"])
        found = work_lists.cadre(phone=phone)
        if found is None:
            raise not_found("cadre", phone)
        return found
    found = work_lists.cadre(user_id=current_user.id)
    if found is None:
        message = _("You are not in the cadre register; ask for ?cadre=<mobile number>.")
        raise AppError(404, "NotFound", message)
    return found


def _rules(village_id: int, what: str) -> dict:
    detail = privacy.household_detail(current_user, village_id)
    if detail is privacy.Detail.AGGREGATE:
        raise AppError(403, "Forbidden", _("You may not see this.") + f" ({what})")
    return privacy.field_rules(detail)


def due(action: str) -> tuple[dict, list[dict], tuple[float, float] | None]:
    """Return the cadre the request names (or is), their households due for a visit, and where they stand.

    The read is audited as `action`.
    """
    params.only(request.args, ("cadre", "lon", "lat"))
    near = params.point(request.args)
    cadre = cadre_of(request.args)
    rules = _rules(cadre["village_id"], cadre["phone"])
    rows = work_lists.overdue(cadre["id"], rules, today=localtime.today(), near=near)
    audit.record(action, cadre["phone"], households=len(rows))
    db.session.commit()
    return cadre, rows, near


@bp.get("/overdue")
@login_required
def overdue():
    """A cadre's households due for a visit, nearest first when the phone says where it is."""
    cadre, rows, near = due("view_overdue")
    return render_template(
        "work/overdue.html",
        cadre=cadre,
        rows=rows,
        near=near,
        patch=work_lists.patch_size(cadre["id"]),
        own=request.args.get("cadre"),
    )


@bp.get("/pairings")
@login_required
def pairings():
    """A cadre's pairings (结对帮扶), current and ended, with their households as the role allows."""
    params.only(request.args, ("cadre",))
    cadre = cadre_of(request.args)
    rules = _rules(cadre["village_id"], cadre["phone"])
    _, villages = privacy.household_scope(current_user)
    rows = work_lists.pairings(cadre["id"], rules, villages=villages)
    audit.record("view_pairings", cadre["phone"], households=len(rows))
    db.session.commit()
    return render_template("work/pairings.html", cadre=cadre, rows=rows)


@bp.get("/unpaired")
@login_required
def unpaired_townships():
    """Every township's poor households and how many have no helper today."""
    params.only(request.args)
    return render_template("work/unpaired_townships.html", rows=work_lists.unpaired_per_township())


@bp.get("/unpaired/<code>")
@login_required
def unpaired(code: str):
    """A township's poor households without a helper, listed where the role may, counted elsewhere."""
    params.only(request.args)
    unit = township(code)
    detail, villages = privacy.household_scope(current_user)
    rules = None if detail is privacy.Detail.AGGREGATE else privacy.field_rules(detail)
    listed, counted = work_lists.unpaired(unit["id"], rules, villages=villages)
    audit.record("view_unpaired", code, households=len(listed))
    db.session.commit()
    return render_template("work/unpaired.html", unit=unit, listed=listed, counted=counted)


# Below these shares (per cent) a village is behind and drawn red: pairing of the poor, visit
# coverage (twice in 12 months), measures done.
BEHIND = {"paired": 95, "covered": 80, "done": 70}


def _rates(row: dict) -> dict:
    shares = {
        "paired": (row["paired"], row["poor"]),
        "covered": (row["covered"], row["households"]),
        "done": (row["done"], row["measures"]),
    }
    rates = {k: round(100 * n / d) if d else None for k, (n, d) in shares.items()}
    behind = {k for k, rate in rates.items() if rate is not None and rate < BEHIND[k]}
    return {**row, "rates": rates, "behind": behind}


@bp.get("/battle")
@login_required
def battle_map():
    """The leaders' battle map (作战图): per village, how far pairing, visits and measures are; A3 print."""
    params.only(request.args, ("township",))
    code = request.args.get("township")
    unit = township(code) if code else None
    rows = work_lists.battle_map(today=localtime.today(), township_id=unit["id"] if unit else None)
    return render_template(
        "work/battle.html", rows=[_rates(r) for r in rows], unit=unit, behind=BEHIND, today=localtime.today()
    )


# Below this share (per cent) of its vulnerable households reached, a holiday round is behind.
HOLIDAY_BEHIND = 90


@bp.get("/holidays")
@login_required
def holiday_rounds():
    """Holiday coverage of the vulnerable households per township, for each holiday of the last year."""
    params.only(request.args)
    rounds = holidays.holidays(localtime.today())
    rows = work_lists.holiday_coverage(rounds, days=holidays.ROUND_DAYS)
    table: dict[str, dict] = {}
    for r in rows:
        entry = table.setdefault(r["code"], {"code": r["code"], "name": r["name"], "rounds": {}})
        share = round(100 * r["visited"] / r["vulnerable"]) if r["vulnerable"] else None
        entry["rounds"][r["key"]] = {**r, "share": share}
    return render_template(
        "work/holidays.html",
        rounds=rounds,
        townships=list(table.values()),
        behind=HOLIDAY_BEHIND,
        days=holidays.ROUND_DAYS,
    )
