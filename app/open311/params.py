"""The Open311 parameters: parsed once, each bad one a 400 naming it (the spec's error array)."""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from ..errors import AppError, bad_parameter, one_of
from ..i18n import Text
from ..queries.open311 import Query
from .documents import STATUSES

# The spec's window: without dates the last 90 days; a range given may not span more.
WINDOW = timedelta(days=90)
REQUEST_ARGS = ("service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id")
# What a POST may carry (the spec's fields); email, device_id, account_id, address_string and
# media_url are accepted and not stored.
POST_FIELDS = (
    *("api_key", "jurisdiction_id", "service_code", "lat", "long", "address_id", "address_string"),
    *("first_name", "last_name", "phone", "email", "device_id", "account_id", "description", "media_url"),
    "attribute[urgency]",
)
# Where the registration form's field is in an Open311 request (for naming a bad one).
FORM_NAMES = {
    "household": "address_id",
    "person_name": "first_name",
    "person_phone": "phone",
    "lon": "long",
    "lat": "lat",
    "kind": "service_code",
    "urgency": "attribute[urgency]",
    "description": "description",
    "channel": "channel",
    "raised_on": "requested_datetime",
}


def only(args: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Refuse a parameter the spec does not define here."""
    for name in args:
        if name not in allowed:
            raise bad_parameter(name, args[name][:40], one_of(allowed))


def _instant(args: Mapping[str, str], name: str, zone) -> datetime | None:
    value = args.get(name, "")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_parameter(
            name, value, Text("an ISO 8601 date and time, e.g. 2026-12-01T00:00:00+08:00")
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)  # no offset: the county's time


def _ids(value: str) -> tuple[str, ...]:
    ids = tuple(part.strip() for part in value.split(","))
    if not ids or len(ids) > 1000 or not all(re.fullmatch(r"[0-9]{1,18}", i) for i in ids):
        raise bad_parameter("service_request_id", value[:40], Text("demand numbers separated by commas"))
    return ids


def requests(args: Mapping[str, str], *, kinds: list[str], now: datetime, zone) -> Query:
    """Return the query a GET requests.json asks; dates default to the 90 days before `now`."""
    only(args, (*REQUEST_ARGS, "api_key"))
    code, state = args.get("service_code") or None, args.get("status") or None
    if code is not None and code not in kinds:
        raise bad_parameter("service_code", code, one_of(kinds))
    if state is not None and state not in STATUSES:
        raise bad_parameter("status", state, one_of(STATUSES))
    start, end = _instant(args, "start_date", zone), _instant(args, "end_date", zone)
    if start is not None and end is not None and end - start > WINDOW:
        raise bad_parameter("end_date", args["end_date"], Text("at most 90 days after start_date"))
    if start is not None and end is not None and end < start:
        raise bad_parameter("end_date", args["end_date"], Text("not before start_date"))
    try:
        if start is None:
            start = (end or now) - WINDOW
        if end is None:
            end = min(now, start + WINDOW) if args.get("start_date") else now
    except OverflowError:  # a date at the calendar's very ends
        name = "end_date" if args.get("end_date") else "start_date"
        raise bad_parameter(name, args[name], Text("a date between the years 1 and 9999")) from None
    ids = _ids(args["service_request_id"]) if args.get("service_request_id") else None
    return Query(start=start, end=end, ids=ids, service_code=code, states=STATUSES.get(state))


def new_request(form: Mapping[str, str]) -> dict[str, str]:
    """Return the registration form an Open311 POST stands for (checked by `demands.checks.check`)."""
    only(form, POST_FIELDS)
    name = (form.get("last_name", "") + form.get("first_name", "")).strip()  # 姓 then 名
    return {
        "household": form.get("address_id", ""),
        "person_name": name,
        "person_phone": form.get("phone", ""),
        "lon": form.get("long", ""),
        "lat": form.get("lat", ""),
        "channel": "hotline",
        "kind": form.get("service_code", ""),
        "urgency": form.get("attribute[urgency]") or "normal",
        "description": form.get("description", ""),
        "raised_on": "",
    }


def refused(problems: list[tuple[str, str]]) -> AppError:
    """Return the 400 of a POST whose request the registration checks refused, naming its first field."""
    field, message = problems[0]
    return AppError(
        400,
        "InvalidParameterValue",
        Text("parameter {name}: {expected}", name=FORM_NAMES.get(field, field), expected=Text(message)),
    )
