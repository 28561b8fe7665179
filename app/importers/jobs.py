"""Household imports as jobs of the one queue (app.jobs): confirmed on /import, run by the worker.

The uploaded file stays in its upload folder (IMPORT_UPLOAD_FOLDER); the job's
options carry its path. The import runs in the worker's one transaction: the
job's result is stored in the same commit, and any failure rolls both back.
"""

import dataclasses
import pathlib
import tempfile

from flask import current_app

from .. import audit, jobs
from ..errors import AppError
from ..i18n import Text
from ..models import Job
from . import households as importer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def submit(user, path: pathlib.Path, *, name: str, options: dict, upload: str | None = None) -> Job:
    """Queue the import of upload `path` (shown as `name`) with the page's `options`; the caller commits.

    An upload is imported once: the same upload's form sent again returns its job.
    """
    options = {**options, "path": str(path.resolve())}
    return jobs.submit(user, "import", name, options=options, total=4, submission=upload)


def allowed_villages(user) -> frozenset[int] | None:
    """Return the villages `user` may import into (None: all); refuse other roles."""
    if user.role_name == "admin":
        return None
    if user.role_name == "cadre":
        return user.village_ids
    raise AppError(403, "Forbidden", Text("only administrators and village cadres import households"))


def _households(job: Job, path: pathlib.Path, *, user, progress: jobs.Progress) -> importer.ImportResult:
    """Import a household spreadsheet as `user`, into the villages they may edit."""
    options = job.options
    return importer.import_households(
        path,
        mapping=options.get("mapping") or {},
        valid_only=options.get("valid_only", False),
        gcj02_input=options.get("gcj02", False),
        swap_fix=options.get("swap_fix", False),
        max_bytes=current_app.config["IMPORT_MAX_BYTES"],
        name=job.target,
        allowed_villages=allowed_villages(user),
        progress=lambda stage, done, total: progress(done, total),
    )


def run(job: Job, progress: jobs.Progress, *, user) -> tuple[bytes, str, str, dict]:
    """Import the upload as `user` (their villages now); return the rejected rows (XLSX) and the counts."""
    options = job.options
    path = pathlib.Path(options["path"])
    if not path.exists():
        raise AppError(404, "NotFound", f"upload {job.target!r} is no longer on the server")
    if options.get("work"):  # a visit log or a cadre register (#11)
        from ..work.imports import import_work

        outcome = import_work(options["work"], path, job=job, user=user, progress=progress)
    else:
        outcome = _households(job, path, user=user, progress=progress)
    if outcome.written:
        audit.record(
            "import",
            outcome.file,
            user=user,
            job=job.id,
            inserted=outcome.inserted,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            rejected=outcome.rejected,
        )
    summary = dataclasses.asdict(outcome)
    del summary["rejected_rows"]  # they are in the XLSX
    body = b""
    if outcome.rejected_rows or outcome.problems:
        with tempfile.TemporaryDirectory(prefix="minqing-import-") as folder:
            target = pathlib.Path(folder) / "rejected.xlsx"
            outcome.write_rejected_xlsx(target)
            body = target.read_bytes()
    return body, XLSX, "rejected-rows.xlsx", summary
