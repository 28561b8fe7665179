"""`flask --app app import households FILE [--mapping 列名=field …] [--valid-only] [--gcj02] [--swap-fix]`
and `flask --app app import boundaries FILE --level LEVEL [--crs] [--layer] [--gcj02] [--force] …`.

Household problems are printed with their reasons in Chinese (`--lang en` for English); boundary
problems, warnings and notes in Chinese with the English below.
"""

import pathlib

import click
from flask import current_app

from .. import localtime, versions
from ..extensions import db
from ..i18n import language_option
from . import households as importer
from .cadres import import_register
from .measures import import_measures
from .members import import_members
from .visits import import_visits


@click.group("import")
def import_group() -> None:
    """Import data files."""


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        if not sep or field not in importer.FIELDS:
            raise click.BadParameter(
                f"{pair!r}: HEADER=FIELD expected, FIELD one of {', '.join(importer.FIELDS)}",
                param_hint="--mapping",
            )
        mapping[header.strip()] = field
    return mapping


@import_group.command("households")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
@click.option("--mapping", multiple=True, help="列名=field for a header not recognised (repeatable).")
@click.option(
    "--valid-only", is_flag=True, help="Import the valid rows; by default any problem imports nothing."
)
@click.option("--gcj02", is_flag=True, help="Coordinates are GCJ-02 (AMap/Tencent): convert to CGCS2000.")
@click.option("--swap-fix", is_flag=True, help="Swap longitude and latitude where they are swapped.")
@click.option(
    "--rejected",
    type=click.Path(dir_okay=False, path_type=pathlib.Path),
    help="Write rejected rows here (.xlsx).",
)
@language_option("Language of the problems' reasons.")
def households(
    file: pathlib.Path,
    mapping: tuple[str, ...],
    valid_only: bool,
    gcj02: bool,
    swap_fix: bool,
    rejected: pathlib.Path | None,
    lang: str,
) -> None:
    """Import a household spreadsheet FILE (.xlsx, .csv in UTF-8 or GBK)."""
    acting = versions.acting(None, f"cli:import households {file.name}")
    with acting, click.progressbar(length=4, label=f"Importing {file.name}") as bar:

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(done - bar.pos)

        result = importer.import_households(
            file,
            mapping=_mapping(mapping),
            valid_only=valid_only,
            gcj02_input=gcj02,
            swap_fix=swap_fix,
            max_bytes=current_app.config["IMPORT_MAX_BYTES"],
            progress=progress,
        )
    if result.written:
        db.session.commit()
    else:
        db.session.rollback()
    if result.problems:
        click.echo(f"{'行 row':>6}  {'列 column':<12}  {'值 value':<24}  原因 reason")
        for p in result.problems:
            row = "" if p.row is None else str(p.row)
            click.echo(f"{row:>6}  {p.column or '':<12}  {(p.value or '')[:24]:<24}  {p.text(lang)}")
    if rejected and result.rejected_rows:
        result.write_rejected_xlsx(rejected)
        click.echo(f"Rejected rows written to {rejected}.")
    click.echo(
        f"{'Imported' if result.written else 'Nothing imported'}: {result.inserted} inserted, "
        f"{result.updated} updated, {result.unchanged} unchanged, {result.rejected} rejected"
        + (f", {result.swapped_fixed} swapped coordinates fixed" if result.swapped_fixed else "")
        + "."
    )
    if result.problems:
        raise SystemExit(1)


@import_group.command("boundaries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
@click.option(
    "--level",
    type=click.Choice(["natural_village", "village", "township"]),
    required=True,
    help="What the features are.",
)
@click.option("--crs", default=None, help="CRS to assume when the file states none, e.g. EPSG:4545.")
@click.option("--code-field", default=None, help="Attribute holding the code (default: code, 编码, …).")
@click.option("--name-field", default=None, help="Attribute holding the name (default: name, 名称, …).")
@click.option(
    "--encoding",
    default=None,
    help="Attribute encoding (default: the file's; without .cpg, UTF-8 if the text is UTF-8, else GB18030).",
)
@click.option("--layer", default=None, help="The layer to import from a file holding several.")
@click.option("--gcj02", is_flag=True, help="Coordinates are GCJ-02 (AMap/Tencent): convert them.")
@click.option(
    "--force",
    is_flag=True,
    help="Import even so: replacements leaving households or child units outside, GCJ-02-looking files.",
)
@click.option(
    "--valid-only",
    is_flag=True,
    help="Import the acceptable features; by default any problem imports nothing.",
)
def boundaries(
    file: pathlib.Path,
    level: str,
    crs: str | None,
    code_field: str | None,
    name_field: str | None,
    encoding: str | None,
    layer: str | None,
    gcj02: bool,
    force: bool,
    valid_only: bool,
) -> None:
    """Import boundaries FILE (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ)."""
    from .boundaries import import_boundaries

    result = import_boundaries(
        file,
        level=level,
        crs=crs,
        code_field=code_field,
        name_field=name_field,
        encoding=encoding,
        layer=layer,
        gcj02_input=gcj02,
        force=force,
        valid_only=valid_only,
        max_bytes=current_app.config["IMPORT_MAX_BYTES"],
    )
    if result.written:
        db.session.commit()
    else:
        db.session.rollback()
    for title, items in (
        ("拒绝 Rejected", result.problems),
        ("修复 Repaired", result.repaired),
        ("警告 Warning", result.warnings),
        ("说明 Note", result.notes),
    ):
        for p in items:
            where = " ".join(str(x) for x in (p.row and f"要素 feature {p.row}", p.column, p.value) if x)
            click.echo(f"{title}: {where}: {p.text('zh')}")
            if p.reason_zh:
                click.echo(f"    {p.reason}")
    for o in result.overlaps:
        other = f"要素 feature {o['b']}" if o["b"] else "已入库 stored"
        click.echo(f"重叠 Overlap: {o['a_code']} / {o['b_code']} ({other}): {o['area_m2']} m²")
    for g in result.gaps:
        click.echo(f"缝隙 Gap: {g['parent_code']} 有 {g['area_m2']} m² 未覆盖 not covered")
    click.echo(
        f"{'已导入 Imported' if result.written else '未导入 Nothing imported'} ({result.crs or 'no CRS'}): "
        f"{result.inserted} 新增 inserted, {result.updated} 更新 updated, "
        f"{result.unchanged} 未变 unchanged, {result.rejected} 拒绝 rejected."
    )
    if result.problems:
        raise SystemExit(1)


def _work_report(result, *, zh: bool, done: str) -> None:
    """Commit or roll back a work import, print its problems and what it did; exit 1 if rows were refused."""
    if result.written:
        db.session.commit()
    else:
        db.session.rollback()
    for p in result.problems:
        where = f"row {p.row or '':>6}  {p.column or '':<10}  {(p.value or '')[:24]:<24}"
        click.echo(f"{where}  {p.text('zh' if zh else 'en')}")
    click.echo(f"{'Imported' if result.written else 'Nothing imported'}: {done}, {result.rejected} rejected.")
    if result.rejected:
        raise SystemExit(1)


# Work files (#11): command, help, importer, whether it takes today's date, what it did.
WORK_FILES = (
    (
        "visits",
        "Import a visit log FILE (.xlsx or .csv: 户编号, 走访干部手机号, 走访日期, …).",
        import_visits,
        True,
        "{r.inserted} new visits, {r.unchanged} stored already",
    ),
    (
        "measures",
        "Import help measures FILE (户编号, 帮扶措施, 状态, 日期).",
        import_measures,
        True,
        "{r.inserted} new measures, {r.updated} updated, {r.unchanged} unchanged",
    ),
    (
        "members",
        "Import household members FILE (户编号, 姓名, 与户主关系, 身份证号, …; "
        "a row per person or household).",
        import_members,
        True,
        "{r.inserted} members of {r.updated} households",
    ),
    (
        "cadres",
        "Import a cadre register FILE (姓名, 手机号, 身份, 所在村编码, 包片自然寨, 包片农户).",
        import_register,
        False,
        "{r.inserted} new cadres, {r.updated} updated",
    ),
)


def _work_command(name: str, doc: str, importer, dated: bool, done: str) -> None:
    """Add `flask import NAME FILE [--valid-only] [--zh]` running `importer` on FILE."""

    @import_group.command(name, help=doc)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
    @click.option(
        "--valid-only", is_flag=True, help="Import the valid rows; by default any problem imports nothing."
    )
    @click.option("--zh", is_flag=True, help="Print the problems in Chinese.")
    def command(file: pathlib.Path, valid_only: bool, zh: bool) -> None:
        options = {"valid_only": valid_only, "max_bytes": current_app.config["IMPORT_MAX_BYTES"]}
        if dated:
            options["today"] = localtime.today()
        result = importer(file, **options)
        _work_report(result, zh=zh, done=done.format(r=result))


for spec in WORK_FILES:
    _work_command(*spec)
