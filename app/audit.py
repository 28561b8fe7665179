"""The audit log: who viewed or exported what, and when; household tiles read; every refusal.

Household-level tile reads are recorded once per user, administrative village and hour (not
per tile: a county panned at zoom 14 is hundreds of tiles), deduplicated in the process and, across
processes, by a unique index on that hour (migration 0006). Every 403 answer is recorded with the
path and the reason the client was given.
"""

import html
import json
import re
import threading
from datetime import UTC, datetime

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import text

from .extensions import db
from .models import AuditEvent
from .queries import tiles as tile_queries

TILE_READ = "view_tiles"
FORBIDDEN = "forbidden"
_ERROR_PAGE = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
_lock = threading.Lock()


def record(action: str, target: str = "", *, user=None, **detail) -> None:
    """Add an audit event for `user` (default: the current user) to the session; the caller commits."""
    user = user or current_user
    ip = request.remote_addr if has_request_context() else None
    db.session.add(
        AuditEvent(
            user_id=user.id,
            username=user.username,
            action=action,
            target=target,
            detail=detail,
            ip=ip,
        )
    )


def _seen(hour: datetime) -> set:
    """Return this process's record of tile reads already written in `hour` (older hours forgotten)."""
    with _lock:
        state = current_app.extensions.get("tile_reads")
        if state is None or state[0] != hour:
            state = current_app.extensions["tile_reads"] = (hour, set())
        return state[1]


def tile_read(user, z: int, x: int, y: int, *, villages: frozenset[int] | None) -> None:
    """Record that `user` read household points of tile z/x/y: one row per village and hour, and commit.

    Parameters
    ----------
    villages
        The villages whose households the user's tiles carry (a cadre's); all when None.
    """
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    seen = _seen(hour)
    if (user.id, z, x, y) in seen:
        return
    shown = tile_queries.villages_with_points(z, x, y, villages=villages)
    codes = [code for code in shown if (user.id, code) not in seen]
    if codes:
        # The unique index on (user, action, target, hour) makes a second process's row a no-op.
        db.session.execute(
            text("""
                INSERT INTO audit_event (user_id, username, action, target, detail, ip)
                SELECT :user_id, :username, :action, code, CAST(:detail AS jsonb), :ip
                FROM unnest(CAST(:codes AS text[])) AS code
                ON CONFLICT DO NOTHING"""),
            {
                "user_id": user.id,
                "username": user.username,
                "action": TILE_READ,
                "codes": codes,
                "detail": json.dumps({"tile": f"{z}/{x}/{y}"}),
                "ip": request.remote_addr if has_request_context() else None,
            },
        )
        db.session.commit()
    seen.update({(user.id, z, x, y), *((user.id, c) for c in codes)})


def _reason(response) -> str:
    """Return the reason a refusal gave its client: the JSON message, or the error page's sentence."""
    if response.is_json:
        body = response.get_json(silent=True) or {}
        if isinstance(body, list) and body and isinstance(body[0], dict):  # Open311's error array
            body = body[0]
        if not isinstance(body, dict):
            return ""
        return str(body.get("message") or body.get("description") or "")
    if response.is_streamed:
        return ""
    match = _ERROR_PAGE.search(response.get_data(as_text=True))
    return html.unescape(match.group(1)).strip() if match else ""


def forbidden(response) -> None:
    """Record a 403 answer to the current request: who, which path, why. Commits only that row.

    Whatever the refused request had written but not committed is dropped first.
    """
    db.session.rollback()
    signed_in = current_user.is_authenticated
    db.session.add(
        AuditEvent(
            user_id=current_user.id if signed_in else None,
            username=current_user.username if signed_in else "anonymous",
            action=FORBIDDEN,
            target=request.path[:128],
            detail={"method": request.method, "reason": _reason(response)[:500]},
            ip=request.remote_addr,
        )
    )
    db.session.commit()


def register(app: Flask) -> None:
    """Audit every 403 `app` answers, whichever view or error handler made it."""

    @app.after_request
    def audit_forbidden(response):
        if response.status_code == 403:
            forbidden(response)
        return response
