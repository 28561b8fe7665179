"""RFC 3339 instants as `datetime`, property arguments and CQL2 `TIMESTAMP()` give them."""

from datetime import UTC, datetime

from ..errors import bad_parameter


def instant(text: str, value: str) -> datetime | None:
    """Return the instant `text` (part of parameter value `value`); None for an open end ("" or "..")."""
    if text in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_parameter(
            "datetime", value, "RFC 3339 instants, e.g. 2024-01-31T00:00:00Z or a/b"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
