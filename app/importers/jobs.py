"""Imports that run after the request returns, so closing the browser tab does not stop them.

A job runs in a thread of the serving process with its own application
context (and so its own database session and transaction). It reports its
progress to ``status.json`` in the upload's folder, which the page polls, and
leaves its result in ``result.json``. A job dies with its process: a server
restart mid-import rolls the import back (one transaction) and the page says
the job was lost.
"""

import dataclasses
import json
import pathlib
import threading
import types
from collections.abc import Callable

from .. import audit
from ..extensions import db
from . import households as importer

_threads: dict[str, threading.Thread] = {}


def write_status(folder: pathlib.Path, **status) -> None:
    """Replace the job's status file atomically (a reader never sees half of it)."""
    partial = folder / "status.json.part"
    partial.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    partial.replace(folder / "status.json")


def status(folder: pathlib.Path) -> dict | None:
    """Return the job's last status, or None when no job was started."""
    path = folder / "status.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def result(folder: pathlib.Path) -> importer.ImportResult | None:
    """Return the finished job's result, or None while it runs."""
    path = folder / "result.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    data["problems"] = [importer.Problem(**p) for p in data["problems"]]
    data["rejected_rows"] = [tuple(r) for r in data["rejected_rows"]]
    return importer.ImportResult(**data)


def start(app, token: str, folder: pathlib.Path, *, user, run: Callable[..., importer.ImportResult]) -> None:
    """Run `run(progress=…)` in a thread with its own app context; commit when it wrote, audit as `user`.

    Call it once the request's own context is gone (``response.call_on_close``),
    so the job never shares a database connection with the request.
    """
    who = types.SimpleNamespace(id=user.id, username=user.username)  # no ORM object crosses threads

    def work() -> None:
        with app.app_context():
            try:
                outcome = run(
                    progress=lambda stage, done, total: write_status(
                        folder, state="running", stage=stage, done=done, total=total
                    )
                )
                if outcome.written:
                    audit.record(
                        "import",
                        outcome.file,
                        user=who,
                        inserted=outcome.inserted,
                        updated=outcome.updated,
                        unchanged=outcome.unchanged,
                        rejected=outcome.rejected,
                    )
                    db.session.commit()
                else:
                    db.session.rollback()
                if outcome.rejected_rows or outcome.problems:
                    outcome.write_rejected_xlsx(folder / "rejected.xlsx")
                (folder / "result.json").write_text(
                    json.dumps(dataclasses.asdict(outcome), ensure_ascii=False), encoding="utf-8"
                )
                write_status(folder, state="done", stage="done", done=4, total=4)
            except Exception as error:  # the page must learn that the job failed, whatever the cause
                db.session.rollback()
                app.logger.exception("import %s failed", token)
                write_status(folder, state="failed", stage="failed", done=0, total=4, error=str(error))

    thread = threading.Thread(target=work, name=f"import-{token[:8]}", daemon=True)
    _threads[token] = thread
    thread.start()


def wait(token: str, timeout: float | None = None) -> None:
    """Wait for the job of `token` to end (for the command line and tests)."""
    thread = _threads.pop(token, None)
    if thread is not None:
        thread.join(timeout)
