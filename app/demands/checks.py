"""Checks of what the demand forms send: one entry point each, every problem named by its field in Chinese."""

import datetime
import re
from collections.abc import Mapping

from ..demand_models import ASSIGNEE_KINDS, CHANNELS, RATINGS, URGENCIES
from ..queries import demands as queries
from . import deadlines

DESCRIPTION_MAX = 500
NOTE_MAX = 500


def _raised_on(value: str, today: datetime.date, problems: list) -> datetime.date | None:
    if not value:
        return today
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        problems.append(("raised_on", "Date: YYYY-MM-DD expected."))
        return None
    if day > today:
        problems.append(("raised_on", "The date a demand came in cannot be after today."))
    return day


def _place(form: Mapping[str, str], problems: list) -> dict | None:
    """Return where the demand is: the household's place, or the natural village of a picked point."""
    code = form.get("household", "").strip()
    if code:
        place = queries.household_place(code)
        if place is None:
            problems.append(("household", "No household with this number."))
        return place and {**place, "household_id": place.pop("id"), "lon": None, "lat": None}
    if not form.get("person_name", "").strip():
        problems.append(("household", "Give the household, or the name of the person raising it."))
    try:
        lon, lat = float(form.get("lon", "")), float(form.get("lat", ""))
    except ValueError:
        problems.append(("lon", "Pick the place on the map (longitude and latitude)."))
        return None
    place = queries.point_place(lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None
    if place is None:
        problems.append(("lon", "The point lies in no natural village of the county."))
        return None
    return {**place, "household_id": None, "lon": lon, "lat": lat}


def _choice(form, name: str, options, problems: list, message: str) -> str:
    value = form.get(name, "")
    if value not in options:
        problems.append((name, message))
    return value


def check(form: Mapping[str, str], *, today: datetime.date) -> tuple[dict, list[tuple[str, str]]]:
    """Return the demand a registration form describes, and its problems as (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    place = _place(form, problems)
    kind = _choice(form, "kind", [k["key"] for k in queries.kinds()], problems, "Choose a kind of demand.")
    demand = {
        "person_name": form.get("person_name", "").strip(),
        "person_phone": form.get("person_phone", "").strip(),
        "channel": _choice(form, "channel", CHANNELS, problems, "Choose how the demand came in."),
        "kind": kind,
        "urgency": _choice(form, "urgency", URGENCIES, problems, "Choose normal or urgent."),
        "description": form.get("description", "").strip(),
        "raised_on": _raised_on(form.get("raised_on", ""), today, problems),
    }
    if len(demand["person_name"]) > 32:
        problems.append(("person_name", "Name: at most 32 characters."))
    if demand["person_phone"] and not re.fullmatch(r"[0-9+\- ]{5,20}", demand["person_phone"]):
        problems.append(("person_phone", "Phone: digits only."))
    if not 1 <= len(demand["description"]) <= DESCRIPTION_MAX:
        problems.append(("description", "Describe the demand (at most 500 characters)."))
    if problems:
        return demand, problems
    days = queries.working_days(kind, demand["urgency"])
    demand["due_on"] = deadlines.add_working_days(demand["raised_on"], days)
    return {**demand, **place}, problems


def action_detail(action: str, form: Mapping[str, str]) -> tuple[dict, list[tuple[str, str]]]:
    """Return the particulars an action needs (an assignee, a rating), and the problems found."""
    problems: list[tuple[str, str]] = []
    if action == "assign":
        kind = _choice(form, "assignee_kind", ASSIGNEE_KINDS, problems, "Choose whom to assign it to.")
        value = form.get("assignee", "").strip()
        name = value if kind == "department" else queries.assignee_name(kind, value) if value else None
        if (not problems and not name) or len(value) > 100:
            problems.append(
                (
                    "assignee",
                    "No such assignee (a cadre's mobile, a village or township code, "
                    "or a department's name).",
                )
            )
        return {"assignee_kind": kind, "assignee": name}, problems
    if action == "close":
        rating = _choice(form, "rating", RATINGS, problems, "Choose how satisfied the person is.")
        return {"rating": rating}, problems
    return {}, problems


def version(form: Mapping[str, str]) -> int | None:
    """Return the version of the demand the form was made from, None when it is not a number."""
    value = form.get("version", "")
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else None
