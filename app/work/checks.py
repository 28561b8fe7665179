"""A visit as a phone (or a program) sends it, checked in one place; every problem names its field.

Framework-free: `check` takes the submitted mapping and returns the visit to write, or the
problems as (field, English message); views translate the messages (app.i18n).
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping

from ..queries import work_lists
from ..work_models import VISIT_KINDS, VISIT_TICKS

FINDINGS_MAX = 200  # a short text; a long story is a demand, not a visit note
OLDEST_DAYS = 366  # a visit from more than a year ago is a typing mistake, not a late entry

Problems = list[tuple[str, str]]


def _date(value: str, today: datetime.date, problems: Problems) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        problems.append(("visited_on", "Date of the visit: YYYY-MM-DD expected."))
        return None
    if day > today:
        problems.append(("visited_on", "The visit cannot be dated in the future."))
    elif (today - day).days > OLDEST_DAYS:
        problems.append(("visited_on", "The visit is dated more than a year ago."))
    return day


def _household(query: str, cadre: dict, problems: Problems) -> dict | None:
    if not query:
        problems.append(("household", "Give the household's number or its head's name."))
        return None
    found = work_lists.find_household(query, cadre["id"])
    if not found:
        problems.append(("household", "No household has this number or head's name."))
        return None
    mine = [h for h in found if h["responsible"]]
    if not mine:
        problems.append(("household", "This household is not in your patch and not paired with you."))
        return None
    if len(mine) > 1:
        problems.append(("household", "Several of your households have this name; give the number."))
        return None
    return mine[0]


def _point(form: Mapping, problems: Problems) -> tuple[float | None, float | None]:
    lon, lat = form.get("lon") or None, form.get("lat") or None
    if lon is None and lat is None:
        return None, None
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        problems.append(("lon", "The position must be two numbers, longitude and latitude."))
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        problems.append(("lon", "The position must be two numbers, longitude and latitude."))
        return None, None
    return lon, lat


def check(form: Mapping, *, cadre: dict, today: datetime.date) -> tuple[dict | None, Problems]:
    """Return the visit `form` describes and no problems, or None and every problem found."""
    problems: Problems = []
    try:
        uid = uuid.UUID(str(form.get("uid", "")))
    except ValueError:
        problems.append(("uid", "The form lost its visit id; reload the page."))
        uid = None
    household = _household(str(form.get("household", "")).strip(), cadre, problems)
    day = _date(str(form.get("visited_on", "")), today, problems)
    kind = form.get("kind", "routine")
    if kind not in VISIT_KINDS:
        problems.append(("kind", "Kind of visit: routine, holiday or follow-up."))
    ticks = form.getlist("ticks") if hasattr(form, "getlist") else list(form.get("ticks", []))
    if not set(ticks) <= set(VISIT_TICKS):
        problems.append(("ticks", "Unknown finding ticked."))
    findings = re.sub(r"\s+", " ", str(form.get("findings", ""))).strip()
    if len(findings) > FINDINGS_MAX:
        problems.append(("findings", f"Findings: at most {FINDINGS_MAX} characters."))
    lon, lat = _point(form, problems)
    if problems:
        return None, problems
    visit = {
        "uid": uid,
        "household_id": household["id"],
        "household_code": household["code"],
        "cadre_id": cadre["id"],
        "visited_on": day,
        "kind": kind,
        "findings": findings,
        "ticks": sorted(set(ticks), key=VISIT_TICKS.index),
        "lon": lon,
        "lat": lat,
    }
    return visit, []
