"""The county's household CSV imported the way a cadre does it: through /import and the job worker.

End to end = upload and preview on the page, confirm, then a `flask --app app worker --once` process runs
the job until the page says done. Peer in the same run: the command line import of the same file
(`flask --app app import households`), which skips the page and the queue.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench import database
from bench.imports import SETUP, child

SUFFIX = "_bench_web_import"

QUEUE = """
import re, time
from sqlalchemy import text
from app import create_app
from app.extensions import db
app = create_app({{"IMPORT_UPLOAD_FOLDER": r"{uploads}", "IMPORT_MAX_BYTES": 10**9}})
with app.app_context():
    db.session.execute(text("TRUNCATE household CASCADE"))
    db.session.execute(text("DELETE FROM job"))
    db.session.commit()
client = app.test_client()
def token(page):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
t0 = time.perf_counter()
login = client.get("/login").get_data(as_text=True)
account = {{"username": "bench-admin", "password": "bench-password-1"}}
client.post("/login", data={{**account, "csrf_token": token(login)}})
form = client.get("/import").get_data(as_text=True)
with open(r"{path}", "rb") as f:
    preview = client.post("/import", data={{"csrf_token": token(form), "file": (f, "households.csv")}},
                          content_type="multipart/form-data").get_data(as_text=True)
action = re.search(r'action="(/import/[^"]+)"', preview).group(1)
job = client.post(action, data={{"csrf_token": token(preview), "mapping": ""}}).headers["Location"]
print(f"{{time.perf_counter() - t0:.3f}} {{job}}")
"""

EMPTY = """
from sqlalchemy import text
from app import create_app
from app.extensions import db
app = create_app()
with app.app_context():
    db.session.execute(text("TRUNCATE household CASCADE"))
    db.session.commit()
print("ok")
"""

CHECK = """
from sqlalchemy import text
from app import create_app
from app.extensions import db
app = create_app()
with app.app_context():
    status, summary = db.session.execute(text("SELECT status, summary FROM job")).one()
print(status, summary.get("inserted"))
"""


def _timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def run(*, households: int, repeat: int) -> None:
    """Print the web import's end-to-end time for a county of `households` beside the command line's."""
    url = database.fresh(SUFFIX)
    times = max(1, min(repeat, 3))
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    print(f"# Web import benchmark: {households:,} households from CSV, median of {times} runs")
    with tempfile.TemporaryDirectory(prefix="minqing-bench-") as folder:
        child(SETUP.format(households=households, folder=folder), url)
        path = f"{folder}/households.csv"
        page, total = [], []
        for _ in range(times):
            queued = float(child(QUEUE.format(path=path, uploads=f"{folder}/uploads"), url)[0])
            worked = _timed(
                [*flask, "worker", "--once"], {**env, "IMPORT_UPLOAD_FOLDER": f"{folder}/uploads"}
            )
            status, inserted = child(CHECK, url)
            assert (status, inserted) == ("done", str(households)), (status, inserted)
            page.append(queued)
            total.append(queued + worked)
        cli = []
        for _ in range(times):
            child(EMPTY, url)
            cli.append(_timed([*flask, "import", "households", path], env))
    ours, peer = statistics.median(total), statistics.median(cli)
    print(
        f"web import of {households:,} rows (upload and preview {statistics.median(page):.1f} s, then the "
        f"worker): median {ours:.1f} s end to end   [target < 25 s]"
    )
    print(
        f"  peer: the command line import of the same file: median {peer:.1f} s ({ours / peer:.2f}x its time)"
    )
    database.drop(SUFFIX)
