"""Database or disk unavailable: a 503 the client can act on, and a log that does not flood.

While PostgreSQL is down every request fails the same way; a traceback each would
fill the disk (50 MB in 30 s was measured) and bury the one line that matters. Each
kind of failure is logged once per OUTAGE_LOG_SECONDS, with the count of those
not logged; clients get a 503 with Retry-After, rendered without the database.
"""

import errno
import threading
import time

from flask import Flask, current_app
from sqlalchemy import exc

from .errors import render
from .i18n import gettext as _

# Write errors that mean the disk, not the program, is at fault.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})

MESSAGES = {
    "database": "The database cannot be reached right now; please try again shortly.",
    "disk": "The server's disk is full or unavailable; please try again later.",
}


def kind(error: BaseException) -> str | None:
    """Return which resource `error` says is unavailable ("database", "disk"), or None for a plain bug."""
    if isinstance(error, exc.TimeoutError):  # every pooled connection busy for pool_timeout seconds
        return "database"
    if isinstance(error, exc.DBAPIError):
        code = getattr(error.orig, "pgcode", None) or ""
        if code == "53100":  # disk_full
            return "disk"
        # 08: connection exception; 53: insufficient resources; 57P: the server is shutting down.
        if code.startswith(("08", "53", "57P")) or error.connection_invalidated:
            return "database"
        # No SQLSTATE at all: libpq could not connect, or lost the connection.
        if not code and isinstance(error, exc.OperationalError | exc.InterfaceError):
            return "database"
        return None
    if isinstance(error, OSError) and error.errno in STORAGE_ERRNOS:
        return "disk"
    return None


class QuietLog:
    """Log each kind of failure at most once per interval, saying how many were not logged."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last: dict[str, tuple[float, int]] = {}  # kind -> (when last logged, failures since)

    def note(self, what: str, detail: str, *, every: float, logger) -> None:
        now = time.monotonic()
        with self._lock:
            logged, since = self._last.get(what, (None, 0))
            if logged is not None and now - logged < every:
                self._last[what] = (logged, since + 1)
                return
            self._last[what] = (now, 0)
        logger.error(
            "%s unavailable: %s (%d more such failures since the last report, not logged)",
            what,
            detail,
            since,
        )


def _detail(error: BaseException) -> str:
    """Return the first line of what the driver or the OS said."""
    text = str(getattr(error, "orig", None) or error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"


def register(app: Flask) -> None:
    """Answer 503 with Retry-After when the database or the disk fails; let other errors through."""
    quiet = app.extensions["outages"] = QuietLog()

    @app.errorhandler(exc.DBAPIError)
    @app.errorhandler(exc.TimeoutError)
    @app.errorhandler(OSError)
    def unavailable(error):
        what = kind(error)
        if what is None:
            raise error  # a bug: Flask logs it with its traceback and answers 500
        config = current_app.config
        quiet.note(what, _detail(error), every=config["OUTAGE_LOG_SECONDS"], logger=current_app.logger)
        retry = {"Retry-After": str(config["OUTAGE_RETRY_AFTER"])}
        return render(503, "ServiceUnavailable", _(MESSAGES[what]), headers=retry)
