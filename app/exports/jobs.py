"""Exports as jobs of the one queue (app.jobs): the same file as /export/<layer>.<fmt>, made by the worker."""

import datetime
import pathlib

from .. import exports, jobs
from ..models import Job


def submit(
    user,
    layer: str,
    fmt: str,
    *,
    crs: str,
    lang: str = "zh",
    submission: str | None = None,
    as_of: datetime.date | None = None,
) -> Job:
    """Queue `layer` (or 'all') as `fmt` in `crs` (XLSX in `lang`, as of a day when given) for `user`.

    The caller checked the request, and commits.
    """
    total = len(exports.layers_for(user)) if layer == exports.ALL else 1
    options = {"format": fmt, "crs": crs, "lang": lang, **({"as_of": as_of.isoformat()} if as_of else {})}
    return jobs.submit(user, "export", layer, options=options, total=total, submission=submission)


def run(job: Job, progress: jobs.Progress, *, user) -> tuple[pathlib.Path, str, str, dict]:
    """Export as `user` (masked per their role now; `exports.export` audits it) straight to the job's file."""
    path = jobs.result_path(job, "")
    _, summary = exports.export(
        job.target,
        job.options["format"],
        user=user,
        crs=job.options["crs"],
        lang=job.options.get("lang", "zh"),
        as_of=datetime.date.fromisoformat(job.options["as_of"]) if job.options.get("as_of") else None,
        progress=lambda layer, done, total: progress(done, total),
        out=path,
    )
    return path, summary["media_type"], summary["file_name"], {"features": summary["features"]}
