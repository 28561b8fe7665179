"""Accounts: users and their passwords, session versions, API tokens (the CLI, the views and tests use these).

A user's `session_version` is written into each session cookie at login. Logging
out, a new password, a new role and deactivation raise it, so every session made
before ends at once; the last three also revoke every API token of the user.
"""

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .models import ROLES, AdminUnit, ApiToken, User

# A token's last use is written at most this often, not on every tile it fetches.
TOKEN_TOUCH_SECONDS = 60


def create_user(
    username: str,
    password: str,
    *,
    role: str,
    villages: list[str] = (),
    display_name: str = "",
    department: str | None = None,
) -> User:
    """Add a user with `role`; a cadre is scoped to the administrative villages coded in `villages`.

    A county department's user (role ``department``) names the department demands are assigned to.
    """
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if (role == "department") != bool(department and department.strip()):
        raise ValueError("a department user needs --department, and only a department user has one")
    if db.session.scalar(select(User).where(User.username == username)):
        raise ValueError(f"user {username!r} already exists")
    scope = []
    for code in villages:
        unit = db.session.scalar(select(AdminUnit).where(AdminUnit.code == code))
        if unit is None or unit.level != "village":
            raise ValueError(f"{code!r} is not the code of an administrative village")
        scope.append(unit)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password),
        role_name=role,
        villages=scope,
        department=department.strip() if department else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_user(username: str) -> User | None:
    """Return the user called `username`, or None."""
    return db.session.scalar(select(User).where(User.username == username))


@functools.cache
def dummy_hash() -> str:
    """Return a hash of a random password, made like real ones, to check against for unknown users."""
    return generate_password_hash(secrets.token_urlsafe(16))


def check_password(username: str, password: str) -> tuple[User | None, str]:
    """Return (the user, "ok") for right credentials of an active user, else (None, the reason).

    A password is hashed whether or not the user exists, so the time taken does not tell which names do.
    """
    user = find_user(username)
    if user is None:
        check_password_hash(dummy_hash(), password)
        return None, "unknown_user"
    if not check_password_hash(user.password_hash, password):
        return None, "wrong_password"
    if not user.active:
        return None, "inactive"
    return user, "ok"


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (no back-off: see app.logins for that)."""
    return check_password(username, password)[0]


# --- sessions ----------------------------------------------------------------


def session_current(user_id: int, version: int) -> bool:
    """Say whether a session made under `version` of active user `user_id` still counts."""
    current = db.session.scalar(select(User.session_version).where(User.id == user_id, User.active))
    return current is not None and current == version


def end_sessions(user: User | int) -> None:
    """End every session of `user` (a User or an id), on every device, at once."""
    user_id = user if isinstance(user, int) else user.id
    db.session.execute(
        update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
    )


def set_password(user: User, password: str) -> int:
    """Give `user` a new password, ending their sessions and tokens; return how many tokens were revoked."""
    user.password_hash = generate_password_hash(password)
    return _cut_off(user)


def set_active(user: User, active: bool) -> int:
    """(De)activate `user`; deactivating ends their sessions and tokens. Return the tokens revoked."""
    user.active = active
    return 0 if active else _cut_off(user)


def set_role(user: User, role: str) -> int:
    """Give `user` another role, ending their sessions and tokens; return how many tokens were revoked."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role != "department":
        user.department = None
    elif not user.department:
        raise ValueError("a department user needs a department: create the user with --department")
    user.role_name = role
    return _cut_off(user)


def _cut_off(user: User) -> int:
    db.session.flush()
    revoked = revoke_tokens(user)
    end_sessions(user)
    return revoked


# --- API tokens ---------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, name: str, days: float | None = None) -> str:
    """Issue an API token for `user` and return it; only its hash is stored, so show it once.

    It expires after `days` (default: TOKEN_DAYS).
    """
    token = "mq_" + secrets.token_urlsafe(32)
    days = current_app.config["TOKEN_DAYS"] if days is None else days
    expires = datetime.now(UTC) + timedelta(days=days)
    db.session.add(ApiToken(user=user, name=name, token_hash=_digest(token), expires_at=expires))
    db.session.flush()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """Return every token of `user`, newest first, revoked and expired ones included."""
    return list(
        db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )


def revoke_token(token_id: int) -> ApiToken | None:
    """Revoke token `token_id` from now on; return it (None if there is no such token)."""
    token = db.session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        db.session.flush()
    return token


def revoke_tokens(user: User) -> int:
    """Revoke every live token of `user`; return how many."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return result.rowcount


def token_holder(token: str) -> tuple[int, int] | None:
    """Return (user id, session version) of the active user holding live `token`, or None.

    Notes the token's use, at most once a minute, committing it.
    """
    row = db.session.execute(
        select(ApiToken.id, ApiToken.user_id, ApiToken.last_used_at, User.session_version)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == _digest(token),
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > datetime.now(UTC)),
            User.active,
        )
    ).one_or_none()
    if row is None:
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at >= timedelta(seconds=TOKEN_TOUCH_SECONDS):
        stale = now - timedelta(seconds=TOKEN_TOUCH_SECONDS)
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == row.id)
            .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at <= stale))
            .values(last_used_at=now)
        )
        db.session.commit()
    return row.user_id, row.session_version


def user_for_token(token: str) -> User | None:
    """Return the active user a live `token` belongs to, or None."""
    holder = token_holder(token)
    return None if holder is None else db.session.get(User, holder[0])
