"""The upload page: choose a household spreadsheet, preview its recognised columns, import it.

/import (GET form, POST upload → preview), /import/<token> (POST: queue the
import as a job, whose page /jobs/<id> shows its progress, outcome and rejected
rows). Uploads wait in the instance folder under a random token bound to the
user who sent them; the worker reads them from there.
"""

import pathlib
import re
import secrets

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit
from ..errors import AppError
from ..extensions import db
from ..i18n import Text
from . import households as importer
from . import jobs

bp = Blueprint("imports", __name__, url_prefix="/import")

SUFFIXES = (".xlsx", ".xls", ".csv")


def _may_import() -> frozenset[int] | None:
    """Return the villages the current user may import into (None: all); refuse other roles."""
    return jobs.allowed_villages(current_user)


def upload_folder() -> pathlib.Path:
    """Return the folder uploads wait in (IMPORT_UPLOAD_FOLDER, default: the instance folder's uploads/)."""
    configured = current_app.config.get("IMPORT_UPLOAD_FOLDER")
    return pathlib.Path(configured or pathlib.Path(current_app.instance_path) / "uploads")


def _folder(token: str) -> pathlib.Path:
    """Return the upload folder of `token`, refusing tokens of other users or of no upload."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        raise AppError(404, "NotFound", Text("upload {token!r} does not exist", token=token))
    folder = upload_folder() / token
    owner = folder / "owner"
    if not owner.exists() or owner.read_text() != str(current_user.id):
        raise AppError(404, "NotFound", Text("upload {token!r} does not exist", token=token))
    return folder


def _upload(folder: pathlib.Path) -> pathlib.Path:
    return next(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)


def uploaded(suffixes: tuple[str, ...] = SUFFIXES):
    """Return the file sent in field 'file' (a spreadsheet unless `suffixes` say otherwise) and its
    suffix; 400 when none or of another type."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise AppError(400, "MissingParameterValue", Text("no file was sent (field 'file')"))
    suffix = pathlib.Path(sent.filename).suffix.lower()
    if suffix not in suffixes:
        raise AppError(
            400,
            "InvalidParameterValue",
            Text("file {name!r}: {expected} expected", name=sent.filename, expected=", ".join(suffixes)),
        )
    return sent, suffix


def _mapping(text: str) -> dict[str, str]:
    """Parse '列名=field' lines; a bad line is a 400 naming it."""
    mapping = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        header, sep, field = line.partition("=")
        if not sep or field.strip() not in importer.FIELDS:
            raise AppError(
                400,
                "InvalidParameterValue",
                Text(
                    "mapping line {line!r}: 列名=field expected, field one of {fields}",
                    line=line,
                    fields=", ".join(importer.FIELDS),
                ),
            )
        mapping[header.strip()] = field.strip()
    return mapping


def _options() -> dict:
    return {
        "mapping": request.form.get("mapping", ""),
        "valid_only": request.form.get("valid_only") == "1",
        "gcj02": request.form.get("gcj02") == "1",
        "swap_fix": request.form.get("swap_fix") == "1",
    }


@bp.get("")
@login_required
def form():
    """The upload form."""
    _may_import()
    return render_template(
        "import.html", stage="form", options=_options(), fields=importer.FIELDS, labels=importer.LABELS
    )


@bp.post("")
@login_required
def upload():
    """Keep the uploaded file and show its recognised columns and first rows."""
    _may_import()
    sent, suffix = uploaded()
    options = _options()
    token = secrets.token_urlsafe(24)
    folder = upload_folder() / token
    folder.mkdir(parents=True)
    (folder / "owner").write_text(str(current_user.id))
    # The original name (often Chinese) is kept as text only; the file itself gets a fixed name.
    path = folder / f"upload{suffix}"
    sent.save(path)
    (folder / "name").write_text(sent.filename)
    result = importer.preview(
        path,
        mapping=_mapping(options["mapping"]),
        max_bytes=current_app.config["IMPORT_MAX_BYTES"],
        name=sent.filename,
    )
    return render_template(
        "import.html",
        stage="preview",
        token=token,
        result=result,
        options=options,
        fields=importer.FIELDS,
        labels=importer.LABELS,
    )


@bp.post("/<token>")
@login_required
def run(token: str):
    """Queue the import of the uploaded file with the chosen options and go to the job's page."""
    _may_import()
    folder = _folder(token)
    options = _options()
    options["mapping"] = _mapping(options["mapping"])
    # A second click on "Import" (or the form sent from several tabs) follows the first job.
    job = jobs.submit(
        current_user, _upload(folder), name=(folder / "name").read_text(), options=options, upload=token
    )
    db.session.commit()
    return redirect(url_for("jobs.job", job_id=job.id), code=303)


BOUNDARY_SUFFIXES = (".zip", ".gpkg", ".geojson", ".json", ".kml", ".kmz")


@bp.post("/boundaries")
@login_required
def boundaries():
    """Import a boundary file now (boundary files are small) and show what was done and found."""
    if current_user.role_name != "admin":
        raise AppError(403, "Forbidden", Text("only administrators import boundaries"))
    from .boundaries import PARENT_LEVEL, import_boundaries

    sent, suffix = uploaded(BOUNDARY_SUFFIXES)
    level = request.form.get("level", "")
    if level not in PARENT_LEVEL:
        raise AppError(
            400,
            "InvalidParameterValue",
            Text("level {level!r}: {expected} expected", level=level, expected=", ".join(PARENT_LEVEL)),
        )
    folder = upload_folder() / secrets.token_urlsafe(24)
    folder.mkdir(parents=True)
    (folder / "owner").write_text(str(current_user.id))
    path = folder / f"upload{suffix}"
    sent.save(path)
    result = import_boundaries(
        path,
        level=level,
        crs=request.form.get("crs", "").strip() or None,
        layer=request.form.get("layer", "").strip() or None,
        gcj02_input=request.form.get("gcj02") == "1",
        force=request.form.get("force") == "1",
        valid_only=request.form.get("valid_only") == "1",
        max_bytes=current_app.config["IMPORT_MAX_BYTES"],
        name=sent.filename,
    )
    if result.written:
        audit.record(
            "import",
            sent.filename,
            level=level,
            inserted=result.inserted,
            updated=result.updated,
            forced=request.form.get("force") == "1",
        )
        db.session.commit()
    else:
        db.session.rollback()
    status = 200 if result.written or not result.problems else 422
    return render_template("import.html", stage="boundaries", result=result), status
