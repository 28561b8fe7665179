"""Query and path parameters: parsed once, rejected with a message naming the bad value."""

import datetime
import re
from collections.abc import Mapping

from . import indicators
from .errors import AppError, bad_parameter, one_of
from .i18n import Text

_DIGITS = {"township": 12, "village": 12, "natural village": 14}


def is_number(text: str, *, digits: int = 18) -> bool:
    """Return whether `text` is 1 to `digits` ASCII digits: '²' and '٤' are digits to str.isdigit,
    and a number longer than a bigint must not reach the database."""
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()


def only(args: Mapping[str, str], allowed: tuple[str, ...] = ()) -> None:
    """Refuse any query parameter not in `allowed`."""
    for name in args:
        if name not in allowed:
            known = ", ".join(allowed) or Text("none")
            raise AppError(
                400,
                "UnknownParameter",
                Text("unknown parameter {name!r} (accepted: {known})", name=name, known=known),
            )


def code(value: str, *, what: str) -> str:
    """Return `value` if it has the shape of a `what` code, else raise a 400 naming it."""
    digits = _DIGITS[what]
    if not re.fullmatch(rf"[0-9]{{{digits}}}", value):
        raise bad_parameter(
            Text("{what} code", what=Text(what), key=what),
            value,
            Text("{digits} digits expected", digits=digits),
        )
    return value


def indicator(args: Mapping[str, str]) -> indicators.Indicator:
    """Return the indicator named by `?indicator=`, the default when absent."""
    key = args.get("indicator", indicators.DEFAULT)
    if key not in indicators.BY_KEY:
        raise bad_parameter("indicator", key, one_of(indicators.BY_KEY))
    return indicators.BY_KEY[key]


def choice(args: Mapping[str, str], name: str, options: tuple[str, ...]) -> str:
    """Return `?name=` if it is one of `options`, the first option when absent."""
    value = args.get(name, options[0])
    if value not in options:
        raise bad_parameter(name, value, one_of(options))
    return value


def submission(form: Mapping[str, str]) -> str | None:
    """Return the form's `submission` key (see `jobs.submission_key`), None when a program sent none."""
    value = form.get("submission") or None
    if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", value):
        raise bad_parameter(
            "submission", value, Text("the key the form was given (16–64 letters, digits, - or _)")
        )
    return value


def point(args: Mapping[str, str]) -> tuple[float, float] | None:
    """Return `?lon=&lat=` (degrees, CGCS2000 ≈ a phone's WGS 84) as a pair, None when both are absent."""
    if "lon" not in args and "lat" not in args:
        return None
    values = []
    for name, limit in (("lon", 180), ("lat", 90)):
        value = args.get(name, "")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not -limit <= number <= limit:
            raise bad_parameter(name, value, f"degrees between -{limit} and {limit} (lon and lat together)")
        values.append(number)
    return values[0], values[1]


def phone(value: str, *, name: str = "cadre") -> str:
    """Return `value` if it is a mainland mobile number (how the register names a cadre)."""
    if not re.fullmatch(r"1[3-9][0-9]{9}", value):
        raise bad_parameter(name, value, "a cadre's 11-digit mobile number")
    return value


def as_of(args: Mapping[str, str], *, today: datetime.date, name: str = "as_of") -> datetime.date | None:
    """Return `?as_of=YYYY-MM-DD` (or `name`: a past day, or `today`); None when absent or empty."""
    value = args.get(name)
    if not value:
        return None
    try:
        day = datetime.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        day = None
    if day is None:
        raise bad_parameter(name, value, Text("a date as YYYY-MM-DD"))
    if day > today:
        raise bad_parameter(name, value, Text("a date no later than today ({today})", today=today))
    return day
