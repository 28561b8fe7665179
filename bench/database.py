"""The benchmarks' databases: beside DATABASE_URL's, named by suffix, created afresh."""

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT = "postgresql://minqing@127.0.0.1:55432/minqing"


def url(suffix: str = "_bench") -> str:
    """Return the URL of the database `<DATABASE_URL's database><suffix>`."""
    base = make_url(os.environ.get("DATABASE_URL", DEFAULT))
    return base.set(database=f"{base.database}{suffix}").render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    engine = create_engine(os.environ.get("DATABASE_URL", DEFAULT), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def fresh(suffix: str = "_bench") -> str:
    """Create the database `suffix` names, dropping any earlier one, and return its URL."""
    name = make_url(url(suffix)).database
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    return url(suffix)


def drop(suffix: str) -> None:
    """Drop the database `suffix` names."""
    _admin(f'DROP DATABASE IF EXISTS "{make_url(url(suffix)).database}" WITH (FORCE)')


def close(app, suffix: str) -> None:
    """Let go of `app`'s connections and drop the database `suffix` names."""
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()
    drop(suffix)


def logged_in(app, *, role: str = "leader"):
    """Create a user of `role` in `app`'s database and return a test client logged in as them."""
    import secrets

    from app.auth import create_user
    from app.extensions import db
    from tests.conftest import log_in

    password = secrets.token_urlsafe(12)
    with app.app_context():
        create_user(f"bench-{role}", password, role=role)
        db.session.commit()
    client = app.test_client()
    log_in(client, f"bench-{role}", password)
    return client
