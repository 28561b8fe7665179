"""RFC 3339 instants as `datetime`, property arguments and CQL2 `TIMESTAMP()` give them."""

from datetime import UTC, datetime, timedelta

from ..errors import bad_parameter

# PostgreSQL's timestamptz takes offsets up to 15:59 (real zones run from -12:00 to +14:00).
MAX_OFFSET = timedelta(hours=15, minutes=59)


def instant(text: str, value: str, *, name: str = "datetime") -> datetime | None:
    """Return the instant `text` (part of parameter `name`=`value`); None for an open end ("" or "..")."""
    if text in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_parameter(name, value, "RFC 3339 instants, e.g. 2024-01-31T00:00:00Z or a/b") from None
    if not moment.tzinfo:
        return moment.replace(tzinfo=UTC)
    if abs(moment.utcoffset()) > MAX_OFFSET:
        raise bad_parameter(name, value, "a time-zone offset from -15:59 to +15:59, e.g. +08:00")
    return moment
