"""The audit log: who viewed or exported what, and when."""

from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models import AuditEvent


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
