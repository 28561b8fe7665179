"""Logging in: session cookies for people, API tokens and HTTP Basic for programs and QGIS."""

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from . import audit
from .errors import for_program
from .errors import render as render_error
from .extensions import db, login_manager
from .i18n import gettext as _
from .models import ROLES, AdminUnit, ApiToken, User

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


# --- accounts (used by the CLI and the tests) ------------------------------


def create_user(
    username: str, password: str, *, role: str, villages: list[str] = (), display_name: str = ""
) -> User:
    """Add a user with `role`; a cadre is scoped to the administrative villages coded in `villages`."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
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
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, name: str, days: float | None = None) -> str:
    """Issue an API token for `user` and return it; only its hash is stored, so show it once."""
    token = "mq_" + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    db.session.add(ApiToken(user=user, name=name, token_hash=_digest(token), expires_at=expires))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """Return the active user an unexpired `token` belongs to, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= datetime.now(UTC):
        return None
    return row.user


# --- who is asking ---------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """The user a request acts for: a snapshot of what privacy and audit read, nothing lazy."""

    id: int
    username: str
    display_name: str
    role_name: str
    village_ids: frozenset[int]
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @classmethod
    def of(cls, user: User) -> "Principal":
        return cls(user.id, user.username, user.display_name, user.role_name, user.village_ids)

    def get_id(self) -> str:
        return str(self.id)


class _Recent:
    """Principals resolved in the last AUTH_CACHE_SECONDS, so a map's many tile requests
    cost no password hash or database lookup each; a change of role, scope or password
    reaches every process within that time."""

    def __init__(self):
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
        return item[1] if item is not None and item[0] > time.monotonic() else None

    def put(self, key, principal: Principal | None, *, seconds: float) -> Principal | None:
        if principal is not None and seconds > 0:
            with self._lock:
                if len(self._items) > 10_000:
                    self._items.clear()
                self._items[key] = (time.monotonic() + seconds, principal)
        return principal


def _remembered(key, resolve) -> Principal | None:
    """Return the principal cached under `key`, or resolve it (a User or None) and cache it."""
    recent = current_app.extensions.setdefault("recent_principals", _Recent())
    principal = recent.get(key)
    if principal is not None:
        return principal
    user = resolve()
    if user is None:
        return None
    return recent.put(key, Principal.of(user), seconds=current_app.config["AUTH_CACHE_SECONDS"])


@login_manager.user_loader
def load_user(user_id: str) -> Principal | None:
    def resolve():
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    return _remembered(("session", user_id), resolve)


@login_manager.request_loader
def load_user_from_request(req) -> Principal | None:
    """Authenticate a program: `Authorization: Bearer <token>`, `X-API-Token`, or HTTP Basic."""
    header = req.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else req.headers.get("X-API-Token")
    if token:
        return _remembered(("token", _digest(token)), lambda: user_for_token(token))
    if req.authorization is not None and req.authorization.type == "basic":
        username, password = req.authorization.username or "", req.authorization.password or ""
        key = ("basic", _digest(f"{username}\0{password}"))
        return _remembered(key, lambda: authenticate(username, password))
    return None


@login_manager.unauthorized_handler
def unauthorized():
    if for_program():
        response, status = render_error(
            401,
            "Unauthorized",
            "Your session has expired or you are not logged in.",  # translated there
        )
        response.headers["WWW-Authenticate"] = 'Basic realm="Minqing Map"'
        return response, status
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the overview (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.overview")


# --- views ------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error, status = None, 200
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(Principal.of(user))
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            audit.record("login", user.username, user=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        error, status = _("Wrong username or password."), 401
    elif request.method == "POST":
        error, status = _("Wrong username or password."), 400
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
