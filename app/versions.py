"""Who writes: the identity the history triggers record with every version (#13).

The triggers of migration 0011_history read two transaction-local settings,
`minqing.actor` (an app user id) and `minqing.source` (what wrote: a web form,
an import job, a command). They are set here, in one place, as every
transaction begins, so no writer can forget them:

- a job or a command says who it acts for with `acting(user_id, source)`;
- a web request acts for its logged-in user, the source being its endpoint.

A write with neither (psql, a script) is recorded with source 'sql' and no actor.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from .extensions import db

Identity = tuple[int | None, str]

_acting: ContextVar[Identity | None] = ContextVar("minqing_acting", default=None)
_SET = text("SELECT set_config('minqing.actor', :actor, true), set_config('minqing.source', :source, true)")


def _identity() -> Identity | None:
    """Return (user id, source) of the writer now: an `acting` block's, else the web request's."""
    acting = _acting.get()
    if acting is not None:
        return acting
    if has_request_context():
        user = g.get("_login_user")  # only once Flask-Login has loaded it: loading it here would recurse
        actor = user.id if user is not None and getattr(user, "is_authenticated", False) else None
        return actor, f"web:{request.endpoint or request.path}"
    return None


def _apply(connection, identity: Identity) -> None:
    actor, source = identity
    connection.execute(_SET, {"actor": "" if actor is None else str(actor), "source": source})


def _began(session, transaction, connection) -> None:
    identity = _identity()
    if identity is not None:
        _apply(connection, identity)


def identify() -> None:
    """Tell the open transaction (opening one if none) who writes now."""
    identity = _identity()
    if identity is not None:
        _apply(db.session.connection(), identity)


@contextmanager
def acting(user_id: int | None, source: str) -> Iterator[None]:
    """Record every version written inside the block as `user_id`'s (None: no user), from `source`.

    Sources read: ``job:<id>:<kind>:<target>`` (an import job), ``cli:<command>``, ``demo``.
    """
    token = _acting.set((user_id, source))
    try:
        identify()
        yield
    finally:
        _acting.reset(token)


def _identify_writer() -> None:
    """Before a request that may write, load its user and tell the transaction the loader opened."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        from flask_login import current_user

        current_user._get_current_object()  # load it now, so the first write knows it
        identify()


def register(app: Flask) -> None:
    """Set the writer's identity at every transaction's start; a writing request's once its user is known."""
    if not event.contains(Session, "after_begin", _began):
        event.listen(Session, "after_begin", _began)
    app.before_request(_identify_writer)
