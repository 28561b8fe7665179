"""HTTP face of exports: /export/<layer>.<fmt>?crs=… returns the file now (for programs: QGIS, scripts),
or, when large, queues it and answers 303 to the job;
the /export page queues the same export as a job whose page shows its progress (for people).

Both are masked per role and audited by `exports.export`.
"""

import hashlib
import tempfile
import time

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import exports, jobs, localtime, params, privacy
from ..errors import AppError, bad_parameter
from ..extensions import db
from ..i18n import Text, language
from ..job_views import download
from . import jobs as export_jobs

bp = Blueprint("exports", __name__, url_prefix="/export")


def _checked(layer: str, fmt: str, crs: str | None) -> str:
    """Refuse an unknown layer or format (404), a layer not for the role (403), a bad CRS (400).

    Return the CRS's label.
    """
    if layer not in (*exports.LAYERS, exports.ALL):
        raise AppError(
            404,
            "NotFound",
            Text(
                "layer {layer!r} does not exist (one of {layers})",
                layer=layer,
                layers=", ".join((*exports.LAYERS, exports.ALL)),
            ),
        )
    if layer not in (*exports.layers_for(current_user), exports.ALL):
        raise AppError(403, "Forbidden", Text(privacy.WORK_FORBIDDEN))
    if fmt not in exports.FORMATS:
        raise AppError(
            404,
            "NotFound",
            Text(
                "format {fmt!r} is not offered (one of {formats})",
                fmt=fmt,
                formats=", ".join(exports.FORMATS),
            ),
        )
    try:
        return exports.parse_crs(crs).label
    except ValueError:
        raise bad_parameter("crs", crs, Text("CRS84, EPSG:4490 or EPSG:4534 … EPSG:4554")) from None


@bp.get("/<layer>.<fmt>")
@login_required
def export(layer: str, fmt: str):
    """Download `layer` (or 'all') as `fmt` in ?crs= (CRS84, EPSG:4490 or EPSG:4534 … 4554), ?as_of= a day.

    An export of more than EXPORT_SYNC_MAX_ROWS rows for this user is queued instead and answered
    303 to its job's page, whose file follows at /jobs/<id>/result: no web worker holds a county.
    """
    params.only(request.args, ("crs", "as_of"))
    crs = _checked(layer, fmt, request.args.get("crs"))
    as_of = params.as_of(request.args, today=localtime.today())
    user = current_user._get_current_object()
    moment = localtime.end_of(as_of) if as_of else None
    if exports.row_count(layer, user=user, as_of=moment) > current_app.config["EXPORT_SYNC_MAX_ROWS"]:
        submission = _repeat_key(user, layer, fmt, f"{crs}:{as_of}")
        job = export_jobs.submit(
            user, layer, fmt, crs=crs, lang=language(), submission=submission, as_of=as_of
        )
        db.session.commit()
        return redirect(url_for("jobs.job", job_id=job.id), code=303)
    with tempfile.NamedTemporaryFile(prefix="minqing-export-") as file:
        _, summary = exports.export(
            layer, fmt, user=user, crs=crs, lang=language(), out=file.name, as_of=as_of
        )
        body = open(file.name, "rb")  # noqa: SIM115 - the response closes it once sent
    # The name is gone from the disk; the open file stays readable until the response is sent.
    return download(body, mimetype=summary["media_type"], name=summary["file_name"])


def _repeat_key(user, layer: str, fmt: str, crs: str) -> str:
    """Return the same key for the same export asked for again within the minute (a script that retries)."""
    minute = int(time.time() // 60)
    asked = f"{user.id}:{layer}.{fmt}:{crs}:{language()}:{minute}"
    return "get-" + hashlib.sha256(asked.encode()).hexdigest()[:40]


@bp.route("", methods=["GET", "POST"])
@login_required
def background():
    """Show the export form and recent export jobs; on POST queue the export and go to its job page."""
    if request.method == "GET":
        params.only(request.args)
        recent = jobs.recent(current_user, kind="export")
        return render_template(
            "exports/form.html",
            layers=(*exports.layers_for(current_user), exports.ALL),
            formats=exports.FORMATS,
            titles=exports.TITLES,
            jobs=recent,
        )
    layer, fmt = request.form.get("layer", ""), request.form.get("format", "")
    crs = _checked(layer, fmt, request.form.get("crs") or None)
    submission = params.submission(request.form)
    job = export_jobs.submit(current_user, layer, fmt, crs=crs, lang=language(), submission=submission)
    db.session.commit()
    return redirect(url_for("jobs.job", job_id=job.id), code=303)
