"""One durable queue for every long task: atlases, exports and imports, run by `flask --app app worker`.

A job is a row of ``job``; its state lives only there, so a web server or
worker restart loses nothing: a queued job waits for a worker, and a running job
whose worker stopped sending heartbeats is taken up again by the next one.
Workers claim jobs with ``FOR UPDATE SKIP LOCKED``, so several may run side by side.
Each kind of job has one runner, ``runner(job, progress) -> (bytes, mime, filename[, summary])``,
run as the job's user. Nothing here knows about Flask requests.
"""

import importlib
import logging
import pathlib
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import func, select, text

from .errors import AppError
from .extensions import db
from .models import Job, User

# A running job whose worker has not reported for this long is taken up again.
STALE_AFTER = timedelta(minutes=2)
# How often a running job's worker says it is alive, whatever its runner is doing; well under STALE_AFTER.
HEARTBEAT_SECONDS = 30.0
# kind -> "module:function"; imported when first run so the queue does not load every package.
RUNNERS = {
    "atlas": "app.printing.jobs:run",
    "export": "app.exports.jobs:run",
    "import": "app.importers.jobs:run",
}

Progress = Callable[[int, int], None]


def submit(user, kind: str, target: str, *, options: dict, total: int = 0) -> Job:
    """Queue a job of `kind` on `target` for `user`; the caller checked it is allowed and commits."""
    if kind not in RUNNERS:
        raise ValueError(f"job kind {kind!r}: one of {', '.join(RUNNERS)} expected")
    job = Job(kind=kind, user_id=user.id, target=target, options=options, total=total)
    db.session.add(job)
    db.session.flush()
    return job


def for_user(user, job_id: int) -> Job | None:
    """Return job `job_id` if `user` asked for it (an admin sees every job), else None."""
    job = db.session.get(Job, job_id)
    if job is None or (job.user_id != user.id and user.role_name != "admin"):
        return None
    return job


def recent(user, *, kind: str, target: str | None = None, limit: int = 5) -> list[Job]:
    """Return `user`'s latest jobs of `kind` (on `target`, when given), newest first."""
    query = select(Job).where(Job.user_id == user.id, Job.kind == kind)
    if target is not None:
        query = query.where(Job.target == target)
    return list(db.session.scalars(query.order_by(Job.id.desc()).limit(limit)))


def claim() -> Job | None:
    """Take the oldest queued (or abandoned) job for this worker, or return None when there is none."""
    job_id = db.session.execute(
        text("""
            UPDATE job SET status = 'running', heartbeat_at = now(), message = ''
            WHERE id = (
                SELECT id FROM job
                WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - :stale)
                ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id"""),
        {"stale": STALE_AFTER},
    ).scalar()
    db.session.commit()
    return None if job_id is None else db.session.get(Job, job_id)


def _runner(kind: str) -> Callable:
    module, _, name = RUNNERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def _owner(job: Job) -> User:
    """Return the job's user as they are now: a user removed or deactivated since asking gets nothing."""
    user = db.session.get(User, job.user_id)
    if user is None or not user.active:
        raise AppError(403, "Forbidden", f"user {job.user_id} no longer exists or is inactive")
    return user


@contextmanager
def _heartbeat(job_id: int, *, every: float):
    """Keep job `job_id`'s heartbeat fresh from a thread with its own connection while the block runs.

    Progress reports beat too, but a runner may be silent for long (an import's final upsert):
    without this, a second worker would take the job up while the first still works on it.
    """
    engine, stop = db.engine, threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE job SET heartbeat_at = now() WHERE id = :id AND status = 'running'"),
                    {"id": job_id},
                )

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run(
    job: Job, *, echo: Callable[[str], None] = lambda line: None, heartbeat: float = HEARTBEAT_SECONDS
) -> None:
    """Run `job` as its user, committing progress as it goes, then store its result (or its error).

    The runner's own writes (an import's rows, an audit event) share the
    transaction that stores the result, so a failure leaves nothing of them.
    The runner is called as ``runner(job, progress, user=…)`` with the user as they are now.
    """
    job_id = job.id

    def progress(done: int, total: int) -> None:
        # This commits the session, so a runner reports progress only before its own writes (the import
        # runner holds back the report after its upsert): those commit with the result in `finish`.
        job.done, job.total, job.heartbeat_at = done, total, func.now()
        db.session.commit()
        echo(f"job {job_id} ({job.kind} {job.target}): {done}/{total}")

    try:
        # Storing the result is inside the try: a commit that fails (a result too large, say) fails the job,
        # not the worker.
        with _heartbeat(job_id, every=heartbeat):
            result = _runner(job.kind)(job, progress, user=_owner(job))
        finish(job, *result)
    except Exception as error:
        # Any failure is the job's outcome; its owner reads a user's error as is, anything else in the log.
        db.session.rollback()
        if isinstance(error, AppError):
            message = error.message
        else:
            logging.getLogger(__name__).exception("job %s failed", job_id)
            message = f"internal error ({type(error).__name__}); see the worker's log"
        fail(job, message)
        echo(f"job {job_id}: failed: {message}")
        return
    echo(f"job {job_id}: done, {job.result_name} ({len(job.result or b'') / 1024:,.0f} KiB)")


def finish(job: Job, body: bytes, mime: str, name: str, summary: dict | None = None) -> None:
    """Store `job`'s result and mark it done, committing with whatever the runner wrote."""
    job.result, job.result_type, job.result_name = body, mime, name
    job.summary = summary or {}
    job.done, job.status, job.finished_at = job.total, "done", func.now()
    db.session.commit()


def fail(job: Job, message: str) -> None:
    """Mark `job` failed with `message` (its owner reads it) and commit."""
    job.status, job.message, job.finished_at = "failed", message, func.now()
    db.session.commit()


def work(
    *,
    once: bool = False,
    poll: float = 2.0,
    heartbeat: float = HEARTBEAT_SECONDS,
    echo: Callable[[str], None] = lambda line: None,
) -> int:
    """Run queued jobs until stopped (or, with `once`, until the queue is empty); return how many ran."""
    ran = 0
    while True:
        job = claim()
        if job is None:
            if once:
                return ran
            time.sleep(poll)
            continue
        run(job, echo=echo, heartbeat=heartbeat)
        ran += 1


def prune(*, older_than: timedelta, uploads: pathlib.Path) -> tuple[int, int]:
    """Drop finished jobs' files and unused uploads older than `older_than`; return how many of each.

    A job's row stays (who asked for what, and when, is a record); only its file goes. An upload
    a queued or running import still needs is kept, however old.
    """
    cleared = db.session.execute(
        text("""
            UPDATE job SET result = NULL, message = 'file removed after ' || :days || ' days'
            WHERE status IN ('done', 'failed') AND result IS NOT NULL AND finished_at < now() - :age"""),
        {"age": older_than, "days": older_than.days},
    ).rowcount
    pending = set(
        db.session.scalars(select(Job.options["path"].astext).where(Job.status.in_(("queued", "running"))))
    )
    db.session.commit()
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in sorted(uploads.rglob("*"), reverse=True):  # files before the folders holding them
        if path.is_file() and path.stat().st_mtime < cutoff and str(path.resolve()) not in pending:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return cleared, removed
