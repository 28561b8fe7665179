"""Who is asking: session cookies for people, API tokens and HTTP Basic for programs and QGIS; log in and out.

Every request asks the database, by primary key or token hash, whether its session,
token or user still counts, so a logout or a revoked token takes effect at once in
every process. What is cached per process (AUTH_CACHE_SECONDS) is the rest: the
user's role and villages, and a Basic password already checked.
"""

import hashlib
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from . import accounts, audit, logins

# Kept importable from app.auth for the callers that did so before app.accounts (tests, benchmarks).
from .accounts import authenticate, create_token, create_user, user_for_token  # noqa: F401
from .errors import AppError, for_program
from .errors import render as render_error
from .extensions import db, login_manager
from .i18n import gettext as _
from .models import User
from .pages import start
from .params import is_number

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


@dataclass(frozen=True)
class Principal:
    """The user a request acts for: a snapshot of what privacy and audit read, nothing lazy."""

    id: int
    username: str
    display_name: str
    role_name: str
    village_ids: frozenset[int]
    version: int = 1
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False
    department: str | None = None  # a department user's (role department) county department

    @classmethod
    def of(cls, user: User) -> "Principal":
        return cls(
            user.id,
            user.username,
            user.display_name,
            user.role_name,
            user.village_ids,
            user.session_version,
            department=user.department,
        )

    def get_id(self) -> str:
        """Return what the session cookie keeps: the id and the session version it was made under."""
        return f"{self.id}:{self.version}"


class _Recent:
    """Values kept for AUTH_CACHE_SECONDS, so a map's many tile requests cost no password hash each."""

    def __init__(self):
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
        return item[1] if item is not None and item[0] > time.monotonic() else None

    def put(self, key, value, *, seconds: float):
        if value is not None and seconds > 0:
            with self._lock:
                if len(self._items) > 10_000:
                    self._items.clear()
                self._items[key] = (time.monotonic() + seconds, value)
        return value


def _recent() -> _Recent:
    return current_app.extensions.setdefault("recent_principals", _Recent())


def _principal(user_id: int, version: int) -> Principal | None:
    """Return the principal of user `user_id` as of session `version`, from the cache or the database."""
    key = ("user", user_id, version)
    principal = _recent().get(key)
    if principal is None:
        user = db.session.get(User, user_id)
        if user is None or user.session_version != version:
            return None
        principal = _recent().put(key, Principal.of(user), seconds=current_app.config["AUTH_CACHE_SECONDS"])
    return principal


@login_manager.user_loader
def load_user(session_id: str) -> Principal | None:
    """Return the principal of a session cookie's "id:version", if that session still counts."""
    user_id, _sep, version = session_id.partition(":")
    if not (is_number(user_id) and is_number(version)):  # a cookie from before session versions
        return None
    if not accounts.session_current(int(user_id), int(version)):
        return None
    return _principal(int(user_id), int(version))


def _basic(username: str, password: str) -> Principal | None:
    """Return the principal of HTTP Basic credentials; a right password is trusted for AUTH_CACHE_SECONDS."""
    key = ("basic", hashlib.sha256(f"{username}\0{password}".encode()).hexdigest())
    known = _recent().get(key)
    if known is not None and accounts.session_current(known.id, known.version):
        return known
    try:
        user = logins.attempt(username, password, address=request.remote_addr, via="basic")
    except logins.Throttled as wait:
        retry = {"Retry-After": str(wait.seconds)}
        raise AppError(429, "TooManyRequests", wait.message(), headers=retry) from None
    if user is None:
        return None
    return _recent().put(key, Principal.of(user), seconds=current_app.config["AUTH_CACHE_SECONDS"])


def token_principal(token: str) -> Principal | None:
    """Return the principal a live API token acts for, None for an unknown, revoked or expired one."""
    holder = accounts.token_holder(token) if token else None
    return None if holder is None else _principal(*holder)


@login_manager.request_loader
def load_user_from_request(req) -> Principal | None:
    """Authenticate a program: `Authorization: Bearer <token>`, `X-API-Token`, or HTTP Basic."""
    header = req.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else req.headers.get("X-API-Token")
    if token:
        return token_principal(token)
    if req.authorization is not None and req.authorization.type == "basic":
        return _basic(req.authorization.username or "", req.authorization.password or "")
    return None


@login_manager.unauthorized_handler
def unauthorized():
    if for_program():
        return render_error(
            401,
            "Unauthorized",
            "Your session has expired or you are not logged in.",  # translated there
            headers={"WWW-Authenticate": 'Basic realm="Minqing Map"'},
        )
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site (no open redirects), else where the user starts."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return start()


# --- views ------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            user = logins.attempt(
                form.username.data, form.password.data, address=request.remote_addr, via="form"
            )
        except logins.Throttled as wait:
            error, status, headers = wait.message(), 429, {"Retry-After": str(wait.seconds)}
        else:
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
    return render_template("login.html", form=form, error=error), status, headers


@bp.post("/logout")
def logout():
    """Log out, ending every session of this user on every device (the cookie alone no longer counts)."""
    if current_user.is_authenticated:
        accounts.end_sessions(current_user.id)
        audit.record("logout", current_user.username)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
