"""Logging in by password: back-off after failures, per account name and per address; failures audited.

From the LOGIN_ACCOUNT_FAILURES-th failure for one name (the LOGIN_ADDRESS_FAILURES-th
from one address) each next try must wait 1 s, then 2, 4 … up to LOGIN_MAX_WAIT. A
try during the wait is refused without looking at the password: guessing then costs
the server no password hash and gains the guesser nothing. Failures are forgotten
after LOGIN_FORGET_SECONDS without one; a right password clears the name's count.
The login form and HTTP Basic both come through `attempt`.

Times are the application's clock, not PostgreSQL's now(), which stands still
inside a transaction.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert

from . import accounts, audit
from .extensions import db
from .i18n import gettext as _
from .models import LoginThrottle, User


@dataclass(frozen=True)
class Attempt:
    """Who tried, as the audit log records a user: the name as typed, which may be nobody's."""

    username: str
    id: None = None


class Throttled(Exception):
    """Too many failed logins: the next try must wait `seconds`."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds

    def message(self) -> str:
        return _("Too many failed logins; try again in {seconds} seconds.").format(seconds=self.seconds)


def _keys(username: str, address: str | None) -> list[tuple[str, str, str]]:
    """Return (scope, key, setting naming its threshold) for the name and, if known, the address."""
    keys = [("account", username[:128], "LOGIN_ACCOUNT_FAILURES")]
    if address:
        keys.append(("address", address[:128], "LOGIN_ADDRESS_FAILURES"))
    return keys


def _where(keys):
    return or_(*(and_(LoginThrottle.scope == scope, LoginThrottle.key == key) for scope, key, _ in keys))


def wait(username: str, address: str | None) -> int:
    """Return the seconds before `username` may try again from `address` (0: now)."""
    until = db.session.scalar(
        select(LoginThrottle.locked_until)
        .where(_where(_keys(username, address)))
        .order_by(LoginThrottle.locked_until.desc().nulls_last())
    )
    now = datetime.now(UTC)
    return 0 if until is None or until <= now else math.ceil((until - now).total_seconds())


def failed(username: str, address: str | None) -> None:
    """Count a failed login for the name and the address, and set how long their next try waits."""
    config = current_app.config
    now = datetime.now(UTC)
    forget = now - timedelta(seconds=config["LOGIN_FORGET_SECONDS"])
    # Names nobody has are counted too (or the back-off would tell which exist): drop what is forgotten.
    db.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < forget,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    for scope, key, setting in _keys(username, address):
        db.session.execute(
            insert(LoginThrottle)
            .values(scope=scope, key=key, failures=0, last_failure_at=now)
            .on_conflict_do_nothing()
        )
        row = db.session.execute(
            select(LoginThrottle).where(_where([(scope, key, setting)])).with_for_update()
        ).scalar_one()
        row.failures = 1 if row.last_failure_at < forget else row.failures + 1
        row.last_failure_at = now
        beyond = row.failures - config[setting]
        if beyond >= 0:
            row.locked_until = now + timedelta(seconds=min(config["LOGIN_MAX_WAIT"], 2 ** min(beyond, 30)))
    db.session.flush()


def unlock(*, username: str | None = None, address: str | None = None) -> int:
    """Forget the failures of `username` and/or `address`; return how many counts were dropped."""
    keys = [("account", username, ""), ("address", address, "")]
    keys = [key for key in keys if key[1] is not None]
    if not keys:
        return 0
    return db.session.execute(delete(LoginThrottle).where(_where(keys))).rowcount


def _refused(username: str, reason: str, via: str, **detail) -> None:
    who = Attempt(username[:64])
    audit.record("login_failed", username[:128], user=who, reason=reason, via=via, **detail)


def attempt(username: str, password: str, *, address: str | None, via: str) -> User | None:
    """Return the user these credentials log in, or None; raise Throttled while they must wait.

    Counts and audits a failure (reason: unknown_user, wrong_password, inactive or throttled) and
    commits it; `via` ("form", "basic") is recorded with it.
    """
    seconds = wait(username, address)
    if seconds:
        _refused(username, "throttled", via, wait=seconds)
        db.session.commit()
        raise Throttled(seconds)
    user, reason = accounts.check_password(username, password)
    if user is None:
        failed(username, address)
        _refused(username, reason, via)
    else:
        unlock(username=username)
    db.session.commit()
    return user
