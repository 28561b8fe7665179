"""Reads to a PostgreSQL streaming replica when DATABASE_URL_READ is set (#15).

A statement goes to the replica only when all of these hold, and to the primary otherwise:

- it runs in a web request that only reads (GET, HEAD): the CLI, the job worker and forms use the primary;
- the reader wrote nothing in the last READ_YOUR_WRITES_SECONDS (the session remembers when), so a
  job just submitted or a setting just changed is there on the next page;
- this request has not written yet (a page that records an audit event reads on from the primary,
  which has its own change);
- the statement is a plain SELECT (no FOR UPDATE, no function that writes or locks);
- the replica is streaming and at most DATABASE_READ_MAX_LAG seconds behind, asked at most once a
  second per process; a replica that does not answer is left alone for that second.
"""

import re
import threading
import time

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request, session
from flask_sqlalchemy.session import Session
from sqlalchemy.sql.selectable import CompoundSelect, Select

BIND = "read"
# The session key holding when its reader last wrote (seconds since the epoch).
WROTE = "_wrote"
READ_METHODS = frozenset({"GET", "HEAD"})
_READ_TEXT = re.compile(r"\s*(select|with)\b", re.IGNORECASE)
# Anything that could write or lock, even inside a SELECT: such a statement goes to the primary.
_WRITE_WORDS = re.compile(
    r"\b(insert|update|delete|merge|lock|share|into|refresh\w*|nextval|setval|pg_advisory_\w+|pg_notify"
    r"|txid_current|pg_current_xact_id|set_config)\b",
    re.IGNORECASE,
)
# How the replica stands, from itself: does it run a WAL receiver (a row any role may see, its
# details only privileged ones), and how far behind is its replay (NULL: nothing replayed yet).
_LAG = sa.text(
    """SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) AS streaming,
              CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                   ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END AS behind"""
)


def register(app: Flask) -> None:
    """Bind the replica when DATABASE_URL_READ is set, and remember when a reader writes."""
    url = app.config.get("DATABASE_URL_READ")
    if not url:
        return
    app.config["SQLALCHEMY_BINDS"] = {**app.config.get("SQLALCHEMY_BINDS", {}), BIND: url}
    app.extensions["replica_state"] = {"usable": False, "until": 0.0, "lock": threading.Lock()}
    app.after_request(_remember_writes)


def _remember_writes(response):
    if request.method not in READ_METHODS and response.status_code < 400:
        session[WROTE] = time.time()
    return response


def is_read(clause) -> bool:
    """Return whether `clause` only reads (a replica can run it)."""
    if isinstance(clause, Select | CompoundSelect):
        return clause._for_update_arg is None
    if isinstance(clause, sa.TextClause):
        return bool(_READ_TEXT.match(clause.text)) and not _WRITE_WORDS.search(clause.text)
    return False


def _replica_usable() -> bool:
    """Return whether the replica streams and is close enough behind (asked at most once a second)."""
    state = current_app.extensions["replica_state"]
    now = time.monotonic()
    if now < state["until"]:
        return state["usable"]
    with state["lock"]:
        if now < state["until"]:
            return state["usable"]
        try:
            with current_app.extensions["sqlalchemy"].engines[BIND].connect() as connection:
                row = connection.execute(_LAG).one()
            limit = current_app.config["DATABASE_READ_MAX_LAG"]
            usable = row.streaming and row.behind is not None and row.behind <= limit
        except sa.exc.SQLAlchemyError as error:
            current_app.logger.warning("the read replica does not answer; reading the primary: %s", error)
            usable = False
        state.update(usable=usable, until=now + 1.0)
        return usable


def _reader_wrote_recently() -> bool:
    wrote = session.get(WROTE)
    window = current_app.config["READ_YOUR_WRITES_SECONDS"]
    return isinstance(wrote, int | float) and time.time() - wrote < window


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, sending what may be read from the replica to it."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self._to_replica(clause):
            return self._db.engines[BIND]
        if bind is None:
            # Whatever this request reads from now on may depend on what it is about to write.
            self.info["primary"] = True
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def _to_replica(self, clause) -> bool:
        return (
            has_request_context()
            and "replica_state" in current_app.extensions
            and request.method in READ_METHODS
            and not self.info.get("primary")
            and not (self._flushing or self.new or self.dirty or self.deleted)
            and is_read(clause)
            and not _reader_wrote_recently()
            and _replica_usable()
        )
