"""`flask --app app export LAYER --format gpkg --user USERNAME --out FILE`."""

import click
from sqlalchemy import select

from .. import exports
from ..extensions import db
from ..i18n import language_option
from ..models import User


@click.command("export")
@click.argument("layer", type=click.Choice([*exports.LAYERS, exports.ALL]))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(exports.FORMATS)),
    default="gpkg",
    show_default=True,
    help="File format.",
)
@click.option("--user", "username", required=True, help="Export what this user may see (and audit it so).")
@click.option(
    "--crs", default="CRS84", show_default=True, help="Output CRS: CRS84, EPSG:4490 or EPSG:4534 … EPSG:4554."
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True, help="File to write.")
@language_option("Language of an XLSX's headers.")
def export(layer: str, fmt: str, username: str, crs: str, out: str, lang: str) -> None:
    """Export LAYER (or 'all') as the given user may see it."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.BadParameter(f"no user {username!r}", param_hint="--user")
    try:
        exports.parse_crs(crs)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--crs") from None
    if layer not in (*exports.layers_for(user), exports.ALL):
        why = f"{layer}: not for the {user.role_name} role (counts only)"
        raise click.BadParameter(why, param_hint="LAYER")
    layers = len(exports.layers_for(user)) if layer == exports.ALL else 1
    with click.progressbar(length=layers, label=f"Exporting {layer}") as bar:
        _, summary = exports.export(
            layer,
            fmt,
            user=user,
            crs=crs,
            out=out,
            lang=lang,
            progress=lambda name, done, total: bar.update(done - bar.pos),
        )
    counts = ", ".join(f"{name} {n:,}" for name, n in summary["features"].items())
    click.echo(f"Wrote {out} ({summary['crs']}): {counts}.")
