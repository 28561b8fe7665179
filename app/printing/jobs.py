"""Township atlases as jobs of the one queue (app.jobs): queued from the web, printed by the worker."""

import datetime
from dataclasses import asdict

from .. import audit, jobs
from ..models import Job
from . import documents

LEVELS = ("village", "township")


def submit(user, code: str, options: documents.Options, *, submission: str | None = None) -> Job:
    """Queue an atlas of village or township `code` for `user`, refusing now what they may not print.

    The caller commits.
    """
    index, _ = documents.atlas_scope(user, code, levels=LEVELS)
    total = len(index["natural_villages"])
    kept = {**asdict(options), "as_of": options.as_of and options.as_of.isoformat()}  # JSON: the day as text
    return jobs.submit(user, "atlas", code, options=kept, total=total, submission=submission)


def run(job: Job, progress: jobs.Progress, *, user) -> tuple[bytes, str, str, dict]:
    """Print `job`'s atlas as `user` (whose role applies now, not when they asked) and audit it."""
    day = job.options.get("as_of")
    options = documents.Options(
        **{
            **job.options,
            "indicators": _tuple(job.options.get("indicators")),
            "as_of": datetime.date.fromisoformat(day) if day else None,
        }
    )
    body, detail = documents.atlas_pdf(user, job.target, options, levels=LEVELS, progress=progress)
    audit.record("print", job.target, user=user, via="job", job=job.id, **detail)
    name = documents.filename(job.target, detail.get("name", "township"), atlas=True)
    return body, "application/pdf", name, {"pages": detail["natural_villages"] + 2}


def _tuple(value) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)
