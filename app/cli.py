"""Command-line tasks: load the demo county, create users and API tokens."""

import secrets
import time

import click
from flask import Flask, current_app
from sqlalchemy import select

from . import auth, localtime, queries
from .extensions import db
from .models import ROLES, AdminUnit, User
from .queries import work as work_queries

DEMO_USERS = (
    ("admin", "admin", "系统管理员"),
    ("leader", "leader", "县领导"),
    ("cadre", "cadre", "驻村第一书记"),
    ("gis", "gis", "GIS 技术员"),
)


@click.command("demo")
@click.option("--households", type=click.IntRange(min=1), default=None, help="Households to generate.")
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same county.")
@click.option("--if-empty", is_flag=True, help="Do nothing when a county is already loaded.")
def demo(households: int | None, seed: int | None, if_empty: bool) -> None:
    """Generate a synthetic county and load it, replacing the current one (one transaction)."""
    from geodata.generator import generate_county
    from geodata.work import generate_work

    if if_empty and queries.county() is not None:
        click.echo("A county is already loaded; leaving it (drop --if-empty to replace it).")
        return
    households = households or current_app.config["DEMO_HOUSEHOLDS"]
    seed = current_app.config["DEMO_SEED"] if seed is None else seed
    started = time.perf_counter()
    county = generate_county(households=households, seed=seed)
    work = generate_work(county, seed=seed, as_of=localtime.today())
    generated = time.perf_counter()
    counts = queries.load_county(county)
    worked = work_queries.load_work(work)
    work_queries.link_users_to_cadres()
    db.session.commit()
    queries.analyze()
    work_queries.analyze()
    db.session.commit()
    click.echo(
        f"Loaded {counts['households']:,} households in {counts['natural_villages']:,} natural villages "
        f"and {counts['admin_units']:,} administrative units, {worked['cadres']:,} cadres and "
        f"{worked['visits']:,} visits in the year to today (seed {seed}): "
        f"generated in {generated - started:.1f} s, loaded in {time.perf_counter() - generated:.1f} s."
    )


@click.command("demo-users")
def demo_users() -> None:
    """Create one demo user per role, printing each new password once."""
    villages = db.session.scalars(
        select(AdminUnit.code).where(AdminUnit.level == "village").order_by(AdminUnit.code).limit(2)
    ).all()
    for username, role, display_name in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)):
            click.echo(f"{username:8} exists (reset with: flask --app app users set-password {username})")
            continue
        password = secrets.token_urlsafe(9)
        scope = villages if role == "cadre" else ()
        auth.create_user(username, password, role=role, villages=scope, display_name=display_name)
        where = f" villages {', '.join(scope)}" if scope else ""
        click.echo(f"{username:8} role {role:7} password {password}{where}")
    work_queries.link_users_to_cadres()
    db.session.commit()


@click.group("users")
def users() -> None:
    """Manage users."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--village", "villages", multiple=True, help="Village code a cadre works in (repeatable).")
@click.option("--name", "display_name", default="", help="Name shown in the page header.")
@click.password_option()
def create_user(
    username: str, role: str, villages: tuple[str, ...], display_name: str, password: str
) -> None:
    """Create USERNAME with a role (and villages, for a cadre)."""
    try:
        auth.create_user(username, password, role=role, villages=list(villages), display_name=display_name)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    db.session.commit()
    click.echo(f"Created {username} ({role}).")


@users.command("set-password")
@click.argument("username")
@click.password_option()
def set_password(username: str, password: str) -> None:
    """Set USERNAME's password."""
    from werkzeug.security import generate_password_hash

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.BadParameter(f"no user {username!r}")
    user.password_hash = generate_password_hash(password)
    db.session.commit()
    click.echo(f"Password of {username} changed.")


@click.group("tokens")
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'QGIS on the GIS office PC'.")
@click.option("--days", type=float, default=None, help="Expire after this many days.")
def create_token(username: str, name: str, days: float | None) -> None:
    """Issue an API token for USERNAME and print it once."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.BadParameter(f"no user {username!r}")
    token = auth.create_token(user, name=name, days=days)
    db.session.commit()
    click.echo(token)


def register(app: Flask) -> None:
    """Add the commands to `flask --app app`."""
    for command in (demo, demo_users, users, tokens):
        app.cli.add_command(command)
    from .printing.cli import print_group

    app.cli.add_command(print_group)
    from .exports.cli import export
    from .importers.cli import import_group

    app.cli.add_command(import_group)
    app.cli.add_command(export)
    from .jobs_cli import prune_jobs, worker

    app.cli.add_command(worker)
    app.cli.add_command(prune_jobs)
