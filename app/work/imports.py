"""Visit logs, cadre registers and help measures uploaded on the web (#11), imported by the job worker.

/work/import (GET form, POST upload → a job of kind ``import`` whose options name the
work file's kind); the job page shows progress, the counts, every problem and the
rejected rows, like a household import. Administrators only: a register says who is
responsible for which households, and a log speaks for the cadres it names.
"""

import pathlib
import secrets

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import jobs, localtime, params
from ..errors import AppError
from ..extensions import db
from ..i18n import gettext as _
from ..importers.cadres import import_register
from ..importers.households import ImportResult
from ..importers.measures import import_measures
from ..importers.members import import_members
from ..importers.views import upload_folder, uploaded
from ..importers.visits import import_visits
from . import bp

KINDS = ("visits", "cadres", "measures", "members")


def _admin() -> None:
    if current_user.role_name != "admin":
        raise AppError(403, "Forbidden", _("Only administrators import visit logs and cadre registers."))


def import_work(kind: str, path: pathlib.Path, *, job, user, progress: jobs.Progress) -> ImportResult:
    """Import a work file of `kind` for a job (the worker commits); report one step when done."""
    options = {"valid_only": job.options.get("valid_only", False), "name": job.target}
    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    today = localtime.today()
    if kind == "visits":
        outcome = import_visits(path, today=today, max_bytes=max_bytes, created_by=user.id, **options)
    elif kind == "measures":
        outcome = import_measures(path, today=today, max_bytes=max_bytes, updated_by=user.id, **options)
    elif kind == "members":
        outcome = import_members(path, today=today, max_bytes=max_bytes, **options)
    else:
        outcome = import_register(path, max_bytes=max_bytes, **options)
    progress(4, 4)
    return outcome


@bp.get("/import")
@login_required
def import_form():
    """The upload form of visit logs and cadre registers."""
    _admin()
    params.only(request.args)
    return render_template("work/import.html", kinds=KINDS)


@bp.post("/import")
@login_required
def import_upload():
    """Keep the uploaded file and queue its import; go to the job's page."""
    _admin()
    kind = params.choice(request.form, "kind", KINDS)
    sent, suffix = uploaded()
    folder = upload_folder() / secrets.token_urlsafe(24)
    folder.mkdir(parents=True)
    path = folder / f"upload{suffix}"
    sent.save(path)
    options = {"work": kind, "valid_only": request.form.get("valid_only") == "1", "path": str(path.resolve())}
    submission = params.submission(request.form)
    job = jobs.submit(current_user, "import", sent.filename, options=options, total=4, submission=submission)
    db.session.commit()
    return redirect(url_for("jobs.job", job_id=job.id), code=303)
