"""One durable queue for every long task: atlases, exports and imports, run by `flask --app app worker`.

A job is a row of ``job``; its state lives only there, so a web server or
worker restart loses nothing: a queued job waits for a worker, and a running job
whose worker stopped sending heartbeats is taken up again by the next one.
Workers claim jobs with ``FOR UPDATE SKIP LOCKED``, so several may run side by side.
Each kind of job has one runner, ``runner(job, progress) -> (bytes or path, mime, filename[, summary])``,
run as the job's user. A result is a file in JOB_RESULT_FOLDER (shared by the web servers and the workers),
never bytes in the database or in a web server's memory: a runner with a large result (an export) writes it
to `result_path(job, …)` itself. Nothing here knows about Flask requests.
"""

import importlib
import logging
import pathlib
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from . import versions
from .errors import AppError
from .extensions import db
from .models import Job, User

# A running job whose worker has not reported for JOB_STALE_SECONDS (config, default 20) is shown as stalled
# and taken up again by the next worker (or, past MAX_ATTEMPTS, failed): a killed worker's job moves on within
# half a minute. Its worker reports four times as often, whatever its runner is doing.
HEARTBEATS_PER_STALE = 4
# A job that has killed this many workers (out of memory, say) is failed rather than handed to another.
MAX_ATTEMPTS = 3
# kind -> "module:function"; imported when first run so the queue does not load every package.
RUNNERS = {
    "atlas": "app.printing.jobs:run",
    "export": "app.exports.jobs:run",
    "import": "app.importers.jobs:run",
}

Progress = Callable[[int, int], None]


def submit(
    user, kind: str, target: str, *, options: dict, total: int = 0, submission: str | None = None
) -> Job:
    """Queue a job of `kind` on `target` for `user`; the caller checked it is allowed and commits.

    `submission` names the form that asked (see `submission_key`): the same form sent again, even by
    several requests at once, returns the job it queued first instead of queueing another.
    """
    if kind not in RUNNERS:
        raise ValueError(f"job kind {kind!r}: one of {', '.join(RUNNERS)} expected")
    values = {
        "kind": kind,
        "user_id": user.id,
        "target": target,
        "options": options,
        "total": total,
        "submission": submission,
        "status": "queued",
    }
    statement = insert(Job).values(**values).returning(Job.id)
    if submission is not None:
        statement = statement.on_conflict_do_nothing(
            index_elements=["user_id", "submission"], index_where=Job.submission.isnot(None)
        )
    job_id = db.session.execute(statement).scalar()
    if job_id is None:  # queued already by an earlier (or a concurrent, now committed) request
        job_id = db.session.scalar(select(Job.id).where(Job.user_id == user.id, Job.submission == submission))
    return db.session.get(Job, job_id)


def submission_key() -> str:
    """Return a fresh key for a form that queues a job (a hidden field), so sending it twice queues once."""
    return secrets.token_urlsafe(18)


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
            UPDATE job SET status = 'running', heartbeat_at = now(), message = '', attempts = attempts + 1
            WHERE id = (
                SELECT id FROM job
                WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - :stale)
                ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id"""),
        {"stale": stale_after()},
    ).scalar()
    db.session.commit()
    if job_id is None:
        return None
    job = db.session.get(Job, job_id)
    if job.attempts > MAX_ATTEMPTS:
        fail(job, f"the worker stopped {MAX_ATTEMPTS} times while running this job (out of memory?)")
        return claim()
    return job


def stalled(job: Job) -> bool:
    """Say whether `job` is marked running but its worker has not reported for STALE_AFTER (it died)."""
    if job.status != "running" or job.heartbeat_at is None:
        return False
    return db.session.scalar(select(func.now() - job.heartbeat_at)) > stale_after()


def stale_after() -> timedelta:
    """Return how long a running job's worker may stay silent before it is taken for dead."""
    return timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def _runner(kind: str) -> Callable:
    module, _, name = RUNNERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def _owner(job: Job) -> User:
    """Return the job's user as they are now: a user removed or deactivated since asking gets nothing."""
    user = db.session.get(User, job.user_id)
    if user is None or not user.active:
        raise AppError(403, "Forbidden", f"user {job.user_id} no longer exists or is inactive")
    return user


class _Reporter:
    """Say how far a running job is and that its worker lives, on a connection of its own.

    Reports never touch the runner's transaction: the runner's writes (an import's rows, an audit
    event) commit with the result in `finish`, or not at all. A thread beats every `every` seconds
    whatever the runner does, so a long silent step (an import's final upsert) is not mistaken for a
    dead worker.
    """

    def __init__(self, job_id: int, *, every: float):
        # `.engine` of an engine is itself, of a connection (the tests' shared one) its engine.
        self._engine, self._job_id, self._every = db.engine.engine, job_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True)

    def _write(self, assignments: str, **values) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                text(f"UPDATE job SET heartbeat_at = now(){assignments} WHERE id = :id AND status='running'"),
                {"id": self._job_id, **values},
            )

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            self._write("")

    def progress(self, done: int, total: int) -> None:
        self._write(", done = :done, total = :total", done=done, total=total)

    def __enter__(self) -> "_Reporter":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run(job: Job, *, echo: Callable[[str], None] = lambda line: None, heartbeat: float | None = None) -> None:
    """Run `job` as its user, reporting progress as it goes, then store its result (or its error).

    The runner's own writes (an import's rows, an audit event) share the
    transaction that stores the result, so a failure leaves nothing of them.
    The runner is called as ``runner(job, progress, user=…)`` with the user as they are now.
    """
    job_id = job.id
    try:
        # Storing the result is inside the try: a commit that fails (a result too large, say) fails the job,
        # not the worker.
        every = heartbeat or stale_after().total_seconds() / HEARTBEATS_PER_STALE
        with _Reporter(job_id, every=every) as reporter:

            def progress(done: int, total: int) -> None:
                reporter.progress(done, total)
                echo(f"job {job_id} ({job.kind} {job.target}): {done}/{total}")

            owner = _owner(job)
            with versions.acting(owner.id, f"job:{job_id}:{job.kind}:{job.target}"):
                result = _runner(job.kind)(job, progress, user=owner)
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
    path = result_file(job)
    size = path.stat().st_size if path else 0
    echo(f"job {job_id}: done, {job.result_name} ({size / 1024:,.0f} KiB)")


def result_folder() -> pathlib.Path:
    """Return the folder of finished jobs' files: JOB_RESULT_FOLDER, or the instance folder's job-results/."""
    configured = current_app.config.get("JOB_RESULT_FOLDER")
    folder = pathlib.Path(configured or pathlib.Path(current_app.instance_path) / "job-results")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def result_path(job: Job, suffix: str) -> pathlib.Path:
    """Return a new, unguessable path in the result folder for `job`'s file (never reused)."""
    return result_folder() / f"{job.id}-{secrets.token_urlsafe(12)}{suffix}"


def result_file(job: Job) -> pathlib.Path | None:
    """Return the path of `job`'s file if it has one still on disk, else None."""
    name = (job.options or {}).get("result_file")
    path = result_folder() / name if name else None
    return path if path is not None and path.is_file() else None


def finish(job: Job, body: bytes | pathlib.Path, mime: str, name: str, summary: dict | None = None) -> None:
    """Keep `job`'s result as a file and mark it done, committing with whatever the runner wrote."""
    path = None  # no bytes (an import that rejected nothing): no file
    if isinstance(body, pathlib.Path):
        path = body
        if body.parent != result_folder():
            path = result_path(job, body.suffix)
            shutil.move(body, path)
    elif body:
        path = result_path(job, pathlib.PurePath(name).suffix)
        path.write_bytes(body)
    if path is not None:
        job.options = {**job.options, "result_file": path.name}
    job.result_type, job.result_name = mime, name
    job.summary = summary or {}
    job.done, job.status, job.finished_at = job.total, "done", func.now()
    try:
        db.session.commit()
    except Exception:
        if path is not None:
            path.unlink(missing_ok=True)  # no job names it: it would only fill the disk
        raise


def fail(job: Job, message: str) -> None:
    """Mark `job` failed with `message` (its owner reads it) and commit."""
    job.status, job.message, job.finished_at = "failed", message, func.now()
    db.session.commit()


def work(
    *,
    once: bool = False,
    poll: float = 2.0,
    heartbeat: float | None = None,
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
    files = db.session.scalars(
        text("""
            WITH old AS (
                SELECT id, options->>'result_file' AS file FROM job
                WHERE status IN ('done', 'failed') AND finished_at < now() - :age
                  AND (result IS NOT NULL OR options->>'result_file' IS NOT NULL)
                FOR UPDATE)
            UPDATE job SET result = NULL, options = options - 'result_file',
                           message = 'file removed after ' || :days || ' days'
            FROM old WHERE job.id = old.id
            RETURNING old.file"""),
        {"age": older_than, "days": older_than.days},
    ).all()
    pending = set(
        db.session.scalars(select(Job.options["path"].astext).where(Job.status.in_(("queued", "running"))))
    )
    db.session.commit()
    for name in filter(None, files):
        (result_folder() / name).unlink(missing_ok=True)
    cutoff = time.time() - older_than.total_seconds()
    _sweep(result_folder(), cutoff, keep=set())  # a file no job names (its worker died before finishing)
    return len(files), _sweep(uploads, cutoff, keep=pending)


def _sweep(folder: pathlib.Path, cutoff: float, *, keep: set[str]) -> int:
    """Remove files under `folder` last changed before `cutoff` (but those in `keep`) and emptied folders."""
    removed = 0
    for path in sorted(folder.rglob("*"), reverse=True):  # files before the folders holding them
        if path.is_file() and path.stat().st_mtime < cutoff and str(path.resolve()) not in keep:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return removed
