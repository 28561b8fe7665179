"""HTTP for prints: a natural village's map, a village's atlas, and township atlases queued as jobs."""

import io

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from .. import audit, localtime, params
from ..extensions import db
from . import documents

bp = Blueprint("printing", __name__, url_prefix="/print")


def _pdf(body: bytes, name: str):
    return send_file(io.BytesIO(body), mimetype="application/pdf", download_name=name)


def _flags_joined(args) -> dict[str, str]:
    """Return `args` with the form's one checkbox per flag (indicators=a&indicators=b) as one list a,b."""
    joined = args.to_dict()
    if len(args.getlist("indicators")) > 1:
        joined["indicators"] = ",".join(args.getlist("indicators"))
    return joined


@bp.get("/natural-villages/<code>.pdf")
@login_required
def natural_village(code: str):
    """A natural village's map with its household table, as the user's role allows."""
    params.only(request.args, documents.OPTIONS)
    options = documents.parse_options(_flags_joined(request.args))
    body, detail = documents.natural_village_pdf(
        current_user, params.code(code, what="natural village"), options
    )
    audit.record("print", code, **detail)
    db.session.commit()
    return _pdf(body, documents.filename(code, detail["name"]))


@bp.get("/villages/<code>/atlas.pdf")
@login_required
def village_atlas(code: str):
    """All natural villages of an administrative village: cover, index map, one page each."""
    params.only(request.args, documents.OPTIONS)
    options = documents.parse_options(request.args)
    body, detail = documents.atlas_pdf(current_user, params.code(code, what="village"), options)
    audit.record("print", code, **detail)
    db.session.commit()
    return _pdf(body, documents.filename(code, detail["name"], atlas=True))


@bp.route("/townships/<code>/atlas", methods=["GET", "POST"])
@login_required
def township_atlas(code: str):
    """Show the atlas form and recent jobs; on POST queue the atlas and go to its progress page."""
    from .. import jobs as all_jobs
    from . import jobs

    params.code(code, what="township")
    if request.method == "GET":
        params.only(request.args)
        recent = all_jobs.recent(current_user, kind="atlas", target=code)
        return render_template("printing/atlas.html", code=code, jobs=recent, today=localtime.today())
    form = {k: v for k, v in request.form.items() if k not in ("csrf_token", "submission") and v != ""}
    params.only(form, documents.OPTIONS)
    options = documents.parse_options(form)
    job = jobs.submit(current_user, code, options, submission=params.submission(request.form))
    db.session.commit()
    return redirect(url_for("jobs.job", job_id=job.id), code=303)
