"""Household members (#13): import a county's member form (one row per person, ~600,000 people at
170,000 households), and what generating and loading the demo families adds to `flask demo`.

``python -m bench.members [--households 170000] [--repeat 3]``

- import: ours (`import_members`: read → check every cell and household → replace the members by COPY,
  the household counts derived by the database's triggers) beside a peer measured in the same run:
  pandas ``read_csv`` and a plain COPY of the same rows into a table with no checks and no triggers;
- demo load: the county's households generated and loaded, then the members generated and loaded.
Every timed step runs in a fresh interpreter.
"""

import argparse
import statistics
import tempfile

from bench import database, foundation
from bench.imports import child

SUFFIX = "_bench_members"

# The county as bench.foundation loads it (`county`, t0-t2 in the child), then its members.
SETUP = (
    foundation.LOAD
    + """
from app.queries.members import replace_members
from geodata.members import generate_members
with app.app_context():
    t3 = time.perf_counter()
    members = generate_members(county.households, seed=7)
    t4 = time.perf_counter()
    replace_members(members)
    db.session.commit()
    t5 = time.perf_counter()
yes = {{True: "是", False: "否"}}
first = ~members.household_code.duplicated()
relation = {{"head": "户主", "spouse": "配偶", "son": "子", "daughter": "女", "daughter_in_law": "儿媳",
            "son_in_law": "女婿", "grandson": "孙子", "granddaughter": "孙女", "father": "父亲",
            "mother": "母亲", "grandfather": "祖父", "grandmother": "祖母", "sibling": "兄弟姐妹",
            "other": "其他"}}
form = members.assign(household_code=members.household_code.where(first, ""))
form = form.rename(columns={{"household_code": "户编号", "name": "姓名", "relation": "与户主关系",
                            "sex": "性别", "id_number": "身份证号", "birth_date": "出生日期",
                            "disabled": "是否残疾", "student": "是否在校生", "migrant_worker": "是否外出务工",
                            "migrant_place": "务工地点", "left_behind_child": "是否留守儿童",
                            "insured": "是否参保"}})
form["与户主关系"] = form["与户主关系"].map(relation)
form["性别"] = form["性别"].map({{"M": "男", "F": "女"}})
for column in ("是否残疾", "是否在校生", "是否外出务工", "是否留守儿童", "是否参保"):
    form[column] = form[column].map(yes)
form.to_csv(r"{path}", index=False, encoding="utf-8")
print(f"{{len(members)}} {{t1 - t0:.3f}} {{t2 - t1:.3f}} {{t4 - t3:.3f}} {{t5 - t4:.3f}}")
"""
)

IMPORT = """
import datetime, resource, time
from app import create_app
from app.extensions import db
from app.importers.members import import_members
app = create_app()
with app.app_context():
    t0 = time.perf_counter()
    result = import_members(r"{path}", today=datetime.date(2026, 12, 7), max_bytes=10**9)
    db.session.commit()
    seconds = time.perf_counter() - t0
    assert not result.problems, result.problems[:5]
print(f"{{seconds:.3f}} {{result.inserted}} {{result.updated}} "
      f"{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""

PEER = """
import io, os, time
import pandas as pd
from sqlalchemy import create_engine
engine = create_engine(os.environ["DATABASE_URL"])
t0 = time.perf_counter()
frame = pd.read_csv(r"{path}", dtype=str, keep_default_na=False)
connection = engine.raw_connection()
cursor = connection.cursor()
cursor.execute("DROP TABLE IF EXISTS peer_member")
cursor.execute("CREATE TABLE peer_member (" + ", ".join(f'"{{c}}" text' for c in frame.columns) + ")")
buffer = io.StringIO()
frame.to_csv(buffer, index=False, header=False)
buffer.seek(0)
cursor.copy_expert("COPY peer_member FROM STDIN WITH (FORMAT csv)", buffer)
connection.commit()
print(f"{{time.perf_counter() - t0:.3f}}")
"""


def run(*, households: int, repeat: int) -> None:
    """Print the members import and the demo families' load figures for a county of `households`."""
    url = database.fresh(SUFFIX)
    times = max(1, min(repeat, 3))
    print(f"# Members: {households:,} households, median of {times} runs")
    with tempfile.TemporaryDirectory(prefix="minqing-bench-") as folder:
        path = f"{folder}/members.csv"
        people, county, loaded, generated, members = child(
            SETUP.format(households=households, path=path), url
        )
        print(
            f"demo load: households generated {float(county):.1f} s + loaded {float(loaded):.1f} s; "
            f"their {int(people):,} members generated {float(generated):.1f} s "
            f"+ loaded {float(members):.1f} s"
        )
        runs = [child(IMPORT.format(path=path), url) for _ in range(times)]
        seconds = statistics.median(float(r[0]) for r in runs)
        assert all(int(r[1]) == int(people) for r in runs), runs
        peers = [child(PEER.format(path=path), url) for _ in range(times)]
        peer = statistics.median(float(r[0]) for r in peers)
        print(
            f"import a member form of {int(people):,} people (CSV, one row per person): "
            f"median {seconds:.1f} s, "
            f"{int(people) / seconds:,.0f} people/s, peak {max(float(r[3]) for r in runs):,.0f} MiB"
            f"   [target < 60 s]"
        )
        print(
            f"  peer pandas read_csv + COPY into a bare table (no checks, no triggers): median {peer:.1f} s "
            f"(ours takes {seconds / peer:.1f}x its time)"
        )
    database.drop(SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=170_000)
    parser.add_argument("--repeat", type=int, default=3, help="Runs per timed step (the median is quoted).")
    arguments = parser.parse_args()
    run(households=arguments.households, repeat=arguments.repeat)
