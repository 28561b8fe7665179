"""`flask --app app print …`: print a natural village's map or an atlas to a PDF file."""

from collections.abc import Callable

import click
from sqlalchemy import select

from .. import audit
from ..errors import AppError
from ..extensions import db
from ..jobs_cli import worker
from ..models import User
from . import documents, render


@click.group("print")
def print_group() -> None:
    """Print maps as PDF (audited like prints from the web)."""


def _options(function: Callable) -> Callable:
    """Add the layout options every print command accepts."""
    options = (
        click.option("--user", "username", required=True, help="Print as this user (their role applies)."),
        click.option(
            "--out", type=click.Path(dir_okay=False, writable=True), required=True, help="PDF file."
        ),
        click.option(
            "--paper",
            type=click.Choice(tuple(render.PAPERS), case_sensitive=False),
            default="A4",
            help="Paper size.",
        ),
        click.option(
            "--orientation", type=click.Choice(render.ORIENTATIONS), default="auto", help="Page orientation."
        ),
        click.option(
            "--names",
            type=click.Choice(render.NAMES),
            default="shown",
            help="Heads' names shown, masked or omitted (at most what the role may see).",
        ),
        click.option("--indicators", default=None, help="Comma-separated flags, e.g. dibao,wubao."),
        click.option(
            "--as-of",
            "as_of",
            default=None,
            help="The households as they were at the end of this day (YYYY-MM-DD).",
        ),
    )
    for option in reversed(options):
        function = option(function)
    return function


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.BadParameter(f"no active user {username!r}", param_hint="--user")
    return user


def _args(
    paper: str, orientation: str, names: str, table: bool, indicators: str | None, as_of: str | None
) -> dict[str, str]:
    args = {"paper": paper, "orientation": orientation, "names": names, "table": "1" if table else "0"}
    optional = {"indicators": indicators, "as_of": as_of}
    return args | {name: value for name, value in optional.items() if value is not None}


def _write(out: str, body: bytes, user: User, code: str, detail: dict) -> None:
    with open(out, "wb") as file:
        file.write(body)
    audit.record("print", code, user=user, via="cli", **detail)
    db.session.commit()
    click.echo(f"Wrote {out} ({len(body) / 1024:,.0f} KiB).")


@print_group.command("natural-village")
@click.argument("code")
@_options
@click.option("--table/--no-table", default=True, help="Add the household table.")
def natural_village(code: str, username: str, out: str, table: bool, **layout) -> None:
    """Print natural village CODE's map (and household table) to --out."""
    user = _user(username)
    try:
        options = documents.parse_options(_args(table=table, **layout))
        body, detail = documents.natural_village_pdf(user, code, options)
    except AppError as error:
        raise click.ClickException(error.message) from None
    _write(out, body, user, code, detail)


@print_group.command("atlas")
@click.argument("code")
@_options
@click.option("--table/--no-table", default=True, help="Follow each map with its household roster.")
def atlas(code: str, username: str, out: str, table: bool, **layout) -> None:
    """Print the atlas of village or township CODE to --out: cover, index map, a page per natural village."""
    user = _user(username)

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            click.echo(f"  {done}/{total} natural villages gathered", err=True)

    try:
        options = documents.parse_options(_args(table=table, **layout))
        body, detail = documents.atlas_pdf(
            user, code, options, levels=("village", "township"), progress=progress
        )
    except AppError as error:
        raise click.ClickException(error.message) from None
    _write(out, body, user, code, detail)


# Kept so `flask --app app print worker` (older scripts, compose files) still runs every queued job.
print_group.add_command(worker, "worker")
