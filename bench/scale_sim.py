"""A province on one machine (#15 item 5): the queries that would fan out on Citus, one county vs ten.

Builds `<database>_scale` afresh: ten counties of synthetic households (generated in SQL with
generate_series, never committed), with `household` and `natural_village` list-partitioned by
county code, as Citus would shard them by it (docs/scale.md). Each query is timed against one
county (its county code in the WHERE clause, so the planner prunes to one partition: what Citus
routes to one shard) and against all ten (no county code: every partition, what Citus fans out
to every worker), and the ratio is printed. The peer of every figure is the one-county run of the
same query in the same run. The database is dropped at the end, also after a failure.

    python -m bench.scale_sim [--households 1000000] [--counties 10] [--repeat 7]
"""

import argparse
import statistics
import time

from sqlalchemy import create_engine, text

from bench import database
from bench.tiles import tile_of

SUFFIX = "_scale"
SRID = 4490
PER_NATURAL_VILLAGE = 60  # households per natural village, as in the generated counties
DEGREES = 1.0  # a county's side: 1,000,000 households on ~11,000 km² (a real one: 170,000 on ~2,500)
PAGE = 1000  # OGC page size


def county_code(k: int) -> str:
    """Return the 12-digit code of county `k` (0-based), 522601000000 onwards."""
    return f"5226{k + 1:02d}000000"


def county_origin(k: int) -> tuple[float, float]:
    """Return the south-west corner of county `k`: five counties a row, over Guizhou."""
    return 103.6 + (k % 5) * (DEGREES + 0.05), 24.6 + (k // 5) * (DEGREES + 0.05)


SCHEMA = f"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE natural_village (
    id bigint NOT NULL, county_code text NOT NULL, code text NOT NULL,
    geom geometry(MultiPolygon, {SRID}) NOT NULL,
    PRIMARY KEY (county_code, id)) PARTITION BY LIST (county_code);
CREATE TABLE household (
    id bigint NOT NULL, county_code text NOT NULL, code text NOT NULL,
    natural_village_id bigint NOT NULL, geom geometry(Point, {SRID}) NOT NULL,
    members int NOT NULL, poverty_status text NOT NULL, dibao boolean NOT NULL,
    left_behind_children int NOT NULL, dilapidated_house boolean NOT NULL,
    income_per_capita int, updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_code, id)) PARTITION BY LIST (county_code);
"""

# Unlogged partitions: generated, never recovered, and no WAL on a shared disk.
PARTITIONS = """
CREATE UNLOGGED TABLE natural_village_{k} PARTITION OF natural_village FOR VALUES IN ('{code}');
CREATE UNLOGGED TABLE household_{k} PARTITION OF household FOR VALUES IN ('{code}');
"""

# Natural villages scattered over the county; households within 300 m of their village's centre.
GENERATE = f"""
INSERT INTO natural_village_{{k}} (id, county_code, code, geom)
SELECT {{k}} * 10000000 + n, '{{code}}', '{{code}}' || lpad(n::text, 6, '0'),
       ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint({{x0}} + random() * {DEGREES},
                                                  {{y0}} + random() * {DEGREES}), {SRID}), 0.004))
FROM generate_series(1, {{villages}}) n;
INSERT INTO household_{{k}} (id, county_code, code, natural_village_id, geom, members, poverty_status,
                             dibao, left_behind_children, dilapidated_house, income_per_capita)
SELECT {{k}} * 10000000 + i, '{{code}}', '{{code}}' || lpad(i::text, 8, '0'), nv.id,
       ST_SetSRID(ST_MakePoint(ST_X(c) + (random() - 0.5) * 0.006, ST_Y(c) + (random() - 0.5) * 0.006),
                  {SRID}),
       1 + (random() * 6)::int,
       (ARRAY['none', 'none', 'none', 'none', 'registered', 'lifted', 'monitored'])[1 + (random() * 6)::int],
       random() < 0.08, (random() < 0.1)::int * (1 + (random() * 2)::int), random() < 0.03,
       3000 + (random() * 20000)::int
FROM generate_series(1, {{households}}) i
JOIN (SELECT id, ST_Centroid(geom) AS c, id - {{k}} * 10000000 AS n FROM natural_village_{{k}}) nv
  ON nv.n = 1 + i % {{villages}};
"""

INDEXES = """
CREATE INDEX ON household USING gist (geom);
CREATE INDEX ON household (code);
CREATE INDEX ON household (natural_village_id);
CREATE INDEX ON natural_village USING gist (geom);
"""

# The statistics as docs/scale.md proposes them on Citus: a table co-located with the households
# (not a materialized view), filled per county by INSERT … SELECT.
STATISTICS = """
CREATE TABLE natural_village_stats (
    county_code text NOT NULL, natural_village_id bigint NOT NULL, households bigint NOT NULL,
    poverty bigint NOT NULL, dibao bigint NOT NULL, left_behind_children bigint NOT NULL,
    dilapidated_house bigint NOT NULL, income_per_capita float8,
    PRIMARY KEY (county_code, natural_village_id)) PARTITION BY LIST (county_code);
"""
STATISTICS_PARTITION = """
CREATE UNLOGGED TABLE natural_village_stats_{k} PARTITION OF natural_village_stats FOR VALUES IN ('{code}');
INSERT INTO natural_village_stats
SELECT county_code, natural_village_id, count(*), count(*) FILTER (WHERE poverty_status <> 'none'),
       count(*) FILTER (WHERE dibao), sum(left_behind_children), count(*) FILTER (WHERE dilapidated_house),
       avg(income_per_capita)
FROM household WHERE county_code = '{code}' GROUP BY county_code, natural_village_id;
"""


def build(engine, *, counties: int, households: int) -> float:
    """Create the partitioned tables and generate `counties` × `households`; return the seconds taken."""
    t0 = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(SCHEMA))
    villages = max(1, households // PER_NATURAL_VILLAGE)
    for k in range(counties):
        x0, y0 = county_origin(k)
        values = {"k": k, "code": county_code(k), "x0": x0, "y0": y0}
        with engine.begin() as connection:
            connection.execute(text(PARTITIONS.format(**values)))
            connection.execute(text(GENERATE.format(**values, villages=villages, households=households)))
        print(f"  county {county_code(k)}: {households:,} households generated", flush=True)
    with engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        connection.execute(text(INDEXES))
        connection.execute(text(STATISTICS))
        for k in range(counties):
            connection.execute(text(STATISTICS_PARTITION.format(k=k, code=county_code(k))))
        connection.execute(text("ANALYZE natural_village; ANALYZE household; ANALYZE natural_village_stats"))
    return time.perf_counter() - t0


# --- the queries that fan out ------------------------------------------------
# Each takes `:county` and a `{county}` condition: "county_code = :county" for one, "true" for all.

COUNTY_STATS = """
SELECT natural_village_id, count(*) AS households,
       count(*) FILTER (WHERE poverty_status <> 'none') AS poverty,
       count(*) FILTER (WHERE dibao) AS dibao,
       sum(left_behind_children) AS left_behind_children,
       count(*) FILTER (WHERE dilapidated_house) AS dilapidated_house,
       avg(income_per_capita) AS income_per_capita
FROM household WHERE {county}
GROUP BY natural_village_id"""

# A z14 tile of household points around a point of the county (the app's households layer).
TILE = f"""
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), {SRID}) AS geo)
SELECT length(coalesce(ST_AsMVT(q, 'households', 4096, 'geom', 'id'), ''))
FROM (SELECT ST_AsMVTGeom(ST_Transform(h.geom, 3857), b.merc, 4096, 64, true) AS geom, h.id, h.code,
             h.poverty_status <> 'none' AS poverty, h.dibao
      FROM household h, bounds b
      WHERE h.geom && b.geo AND {{county}}) q"""

# A z10 tile of natural villages with their statistics (the app's natural_villages layer).
AGGREGATE_TILE = f"""
WITH bounds AS (
    SELECT ST_TileEnvelope(:z10, :x10, :y10) AS merc,
           ST_Transform(ST_TileEnvelope(:z10, :x10, :y10, margin => 64.0 / 4096), {SRID}) AS geo)
SELECT length(coalesce(ST_AsMVT(q, 'natural_villages', 4096, 'geom', 'id'), ''))
FROM (SELECT ST_AsMVTGeom(ST_Transform(n.geom, 3857), b.merc, 4096, 64, true) AS geom, n.id,
             s.households, s.poverty, s.left_behind_children
      FROM natural_village n
      JOIN bounds b ON n.geom && b.geo
      LEFT JOIN natural_village_stats s ON s.county_code = n.county_code AND s.natural_village_id = n.id
      WHERE {{county_n}}) q"""

# One OGC page after a cursor (keyset on the household code, as app.queries.ogc pages).
OGC_PAGE = f"""
SELECT count(*), max(code), sum(length(feature)) FROM (
    SELECT code, '{{{{"type":"Feature","id":' || to_json(code)::text || ',"geometry":'
                 || ST_AsGeoJSON(geom, 7) || ',"properties":'
                 || json_build_object('members', members, 'poverty_status', poverty_status)::text
                 || '}}}}' AS feature
    FROM household
    WHERE code > :after AND {{county}}
    ORDER BY code LIMIT {PAGE}) page"""

# The dashboard's ranking: the 20 natural villages with most left-behind children, counted live
# from the households as app/queries/rankings.py does today.
RANKING = """
SELECT n.code, s.left_behind_children FROM natural_village n
JOIN (SELECT natural_village_id, sum(left_behind_children) AS left_behind_children
      FROM household WHERE {county} GROUP BY natural_village_id) s ON s.natural_village_id = n.id
WHERE {county_n}
ORDER BY s.left_behind_children DESC, n.code LIMIT 20"""

# The same ranking from the statistics table (docs/scale.md, section 3).
RANKING_FROM_STATISTICS = """
SELECT n.code, s.left_behind_children FROM natural_village_stats s
JOIN natural_village n ON n.county_code = s.county_code AND n.id = s.natural_village_id
WHERE {county_s}
ORDER BY s.left_behind_children DESC, n.code LIMIT 20"""

QUERIES = {
    "county statistics (per natural village)": COUNTY_STATS,
    "z14 household tile (bbox)": TILE,
    "z10 natural-village tile, statistics (bbox)": AGGREGATE_TILE,
    f"OGC page of {PAGE} after a cursor": OGC_PAGE,
    "ranking of natural villages, live": RANKING,
    "ranking of natural villages, statistics": RANKING_FROM_STATISTICS,
}


def parameters(connection, county: str) -> dict:
    """Return the tile coordinates and cursor the queries ask about, in the middle of `county`."""
    lon, lat, after = connection.execute(
        text("""SELECT ST_X(geom), ST_Y(geom), code FROM household
                WHERE county_code = :county ORDER BY code
                OFFSET (SELECT count(*) / 2 FROM household WHERE county_code = :county) LIMIT 1"""),
        {"county": county},
    ).one()
    z, x, y = tile_of(lon, lat, 14)
    z10, x10, y10 = tile_of(lon, lat, 10)
    return {"county": county, "after": after, "z": z, "x": x, "y": y, "z10": z10, "x10": x10, "y10": y10}


def timed(connection, one: str, every: str, params: dict, *, repeat: int) -> tuple[float, float]:
    """Return the median milliseconds of `one` and of `every`, after a warm-up run of each.

    The two run alternately, so the load of a shared machine weighs on both alike.
    """
    samples = {one: [], every: []}
    for sql in samples:
        connection.execute(text(sql), params).all()
    for _ in range(repeat):
        for sql, times in samples.items():
            t0 = time.perf_counter()
            connection.execute(text(sql), params).all()
            times.append(time.perf_counter() - t0)
    return statistics.median(samples[one]) * 1000, statistics.median(samples[every]) * 1000


def measure(engine, *, counties: int, repeat: int) -> None:
    """Print each query's median against one county and against all, and their ratio."""
    print(f"# {'query':<42} {'one county':>12} {f'all {counties}':>12} {'ratio':>7}")
    with engine.connect() as connection:
        # One process per query: all ten then costs the work Citus would spread over its workers,
        # and a shared machine's spare cores (or their absence) do not decide the ratio.
        connection.execute(text("SET max_parallel_workers_per_gather = 0"))
        params = parameters(connection, county_code(counties // 2))
        for name, sql in QUERIES.items():
            one = sql.format(
                county="county_code = :county",
                county_n="n.county_code = :county",
                county_s="s.county_code = :county",
            )
            every = sql.format(county="true", county_n="true", county_s="true")
            ms_one, ms_all = timed(connection, one, every, params, repeat=repeat)
            print(f"  {name:<42} {ms_one:>9.1f} ms {ms_all:>9.1f} ms {ms_all / ms_one:>6.1f}×", flush=True)


def run(*, households: int, counties: int, repeat: int, keep: bool = False) -> None:
    """Build the province, print the figures, drop the database (unless `keep`, to EXPLAIN by hand)."""
    url = database.fresh(SUFFIX)
    engine = create_engine(url)
    try:
        total = households * counties
        print(f"# Province simulation: {counties} counties × {households:,} = {total:,} households")
        seconds = build(engine, counties=counties, households=households)
        with engine.connect() as connection:
            size = connection.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
            print(f"  generated and indexed in {seconds:.0f} s; database {size.scalar_one()}")
        measure(engine, counties=counties, repeat=repeat)
        print(
            "  one county: its code in the WHERE clause, one partition (Citus: one shard);"
            f" all {counties}: every partition (Citus: every worker, merged on the coordinator);"
            " no parallel workers"
        )
    finally:
        engine.dispose()
        if not keep:
            database.drop(SUFFIX)


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--households", type=int, default=1_000_000, help="Households per county.")
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7, help="Runs per query (the median is quoted).")
    parser.add_argument("--keep", action="store_true", help=f"Keep <database>{SUFFIX} afterwards.")
    args = parser.parse_args()
    run(households=args.households, counties=args.counties, repeat=args.repeat, keep=args.keep)


if __name__ == "__main__":
    main()
