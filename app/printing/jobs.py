"""Township atlases as background jobs: queued in the database, run by `flask --app app print worker`.

A job is a row of ``print_job``; its state lives only there, so a web server or
worker restart loses nothing: a queued job waits for a worker, and a running job
whose worker stopped sending heartbeats is taken up again by the next one.
Workers claim jobs with ``FOR UPDATE SKIP LOCKED``, so several may run side by side.
Nothing here knows about Flask requests.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import func, select, text

from .. import audit
from ..errors import AppError
from ..extensions import db
from ..models import PrintJob
from . import documents

# A running job whose worker has not reported for this long is taken up again.
STALE_AFTER = timedelta(minutes=2)
LEVELS = ("village", "township")


def submit(user, code: str, options: documents.Options) -> PrintJob:
    """Queue an atlas of village or township `code` for `user`, refusing now what they may not print.

    The caller commits.
    """
    index, _ = documents.atlas_scope(user, code, levels=LEVELS)
    job = PrintJob(
        user_id=user.id, target=code, options=asdict(options), total=len(index["natural_villages"])
    )
    db.session.add(job)
    db.session.flush()
    return job


def for_user(user, job_id: int) -> PrintJob | None:
    """Return job `job_id` if `user` asked for it (an admin sees every job), else None."""
    job = db.session.get(PrintJob, job_id)
    if job is None or (job.user_id != user.id and user.role_name != "admin"):
        return None
    return job


def claim() -> PrintJob | None:
    """Take the oldest queued (or abandoned) job for this worker, or return None when there is none."""
    job_id = db.session.execute(
        text("""
            UPDATE print_job SET status = 'running', heartbeat_at = now(), message = ''
            WHERE id = (
                SELECT id FROM print_job
                WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - :stale)
                ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id"""),
        {"stale": STALE_AFTER},
    ).scalar()
    db.session.commit()
    return None if job_id is None else db.session.get(PrintJob, job_id)


def run(job: PrintJob, *, echo: Callable[[str], None] = lambda line: None) -> None:
    """Print `job`'s atlas, committing progress as it goes, then store the PDF (or the error)."""

    def progress(done: int, total: int) -> None:
        job.done, job.total, job.heartbeat_at = done, total, func.now()
        db.session.commit()
        echo(f"job {job.id}: {done}/{total} natural villages")

    user = job.user
    options = documents.Options(**{**job.options, "indicators": _tuple(job.options.get("indicators"))})
    try:
        body, detail = documents.atlas_pdf(user, job.target, options, levels=LEVELS, progress=progress)
    except Exception as error:
        # Any failure is the job's outcome; its owner reads a user's error as is, anything else in the log.
        db.session.rollback()
        if isinstance(error, AppError):
            message = error.message
        else:
            logging.getLogger(__name__).exception("print job %s failed", job.id)
            message = f"internal error ({type(error).__name__}); see the worker's log"
        job.status, job.message, job.finished_at = "failed", message, func.now()
        db.session.commit()
        echo(f"job {job.id}: failed: {job.message}")
        return
    job.pdf, job.status, job.finished_at = body, "done", func.now()
    audit.record("print", job.target, user=user, via="job", job=job.id, **detail)
    db.session.commit()
    echo(f"job {job.id}: done, {detail['natural_villages'] + 2} pages, {len(body) / 1024:,.0f} KiB")


def _tuple(value) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def work(*, once: bool = False, poll: float = 2.0, echo: Callable[[str], None] = lambda line: None) -> int:
    """Run queued jobs until stopped (or, with `once`, until the queue is empty); return how many ran."""
    ran = 0
    while True:
        job = claim()
        if job is None:
            if once:
                return ran
            time.sleep(poll)
            continue
        run(job, echo=echo)
        ran += 1


def recent(user, target: str, *, limit: int = 5) -> list[PrintJob]:
    """Return `user`'s latest jobs for `target`, newest first."""
    return list(
        db.session.scalars(
            select(PrintJob)
            .where(PrintJob.user_id == user.id, PrintJob.target == target)
            .order_by(PrintJob.id.desc())
            .limit(limit)
        )
    )
