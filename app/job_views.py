"""HTTP for jobs: /jobs/<id> (progress, then the outcome) and /jobs/<id>/result (the file), owner only."""

import io

from flask import Blueprint, jsonify, render_template, request, send_file
from flask_login import current_user, login_required

from . import audit, exports, jobs
from .errors import AppError, not_found
from .extensions import db
from .i18n import Text

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _job(job_id: int):
    """Return the job if the current user may see it; another user's job does not exist for them."""
    job = jobs.for_user(current_user, job_id)
    if job is None:
        raise not_found("job", str(job_id))
    return job


@bp.get("/<int:job_id>")
@login_required
def job(job_id: int):
    """A job's progress: a page that refreshes itself until the job ends, or JSON for programs."""
    found = _job(job_id)
    stalled = jobs.stalled(found)
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify({**found.as_dict(), "stalled": stalled, "attempts": found.attempts})
    # As before the queue: an import that wrote nothing because of problems answers 422.
    refused = found.kind == "import" and found.summary.get("problems") and not found.summary.get("written")
    page = render_template("jobs/job.html", job=found, stalled=stalled, titles=exports.TITLES)
    return page, 422 if refused else 200


@bp.get("/<int:job_id>/result")
@login_required
def result(job_id: int):
    """The finished job's file (an atlas, an export, an import's rejected rows), to its owner; audited."""
    found = _job(job_id)
    if found.user_id != current_user.id:  # an admin may follow another's job, not take its file
        raise not_found("job", str(job_id))
    if found.status != "done":
        raise AppError(
            409, "NotReady", Text("job {id} is {status}, not done", id=job_id, status=Text(found.status))
        )
    # Streamed from disk (a job finished before results were files has its bytes in the row).
    body = jobs.result_file(found) or (io.BytesIO(found.result) if found.result else None)
    if body is None:
        why = found.message or Text("none was made")
        raise AppError(410, "Gone", Text("job {id} has no file ({why})", id=job_id, why=why))
    audit.record("download", found.target, kind=found.kind, job=job_id, file=found.result_name)
    db.session.commit()
    return download(body, mimetype=found.result_type, name=found.result_name)


def download(body, *, mimetype: str, name: str):
    """Send a file (a path or an open file) as an attachment no cache keeps: it holds personal data."""
    response = send_file(body, mimetype=mimetype, download_name=name, as_attachment=True)
    response.headers["Cache-Control"] = "no-store"  # send_file says no-cache
    return response
