"""Spatial SQL of exports: each layer's rows with WKB geometry in the requested CRS.

Household fields come from `household_fields` (the privacy rules turned into
SQL, masks applied in the database); natural-village statistics from the same
builders the maps use.
"""

import datetime
from collections.abc import Iterable, Iterator

import pandas as pd
from sqlalchemy import text

from ..extensions import db
from ..models import SRID
from ..privacy import Rule
from ..suppression import Suppression
from . import _natural_village_stats, _values, asof, household_fields
from .disclosure import Hide, disclosure_params
from .work_layers import Layer


def _in(srid: int, column: str = "geom") -> str:
    """Return `column` in `srid` (no transform for the storage CRS)."""
    return column if srid == SRID else f"ST_Transform({column}, {int(srid)})"


def _geometry(srid: int, column: str = "geom") -> str:
    """Return the SELECT expression of `column` as WKB in `srid`, named geometry."""
    return f"ST_AsBinary({_in(srid, column)}) AS geometry"


def _frame(sql: str, params: dict | None = None) -> pd.DataFrame:
    result = db.session.execute(text(sql), params or {})
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def admin_units(level: str, *, srid: int) -> pd.DataFrame:
    """Return townships or villages (`level`) with code, name, parent code and WKB geometry."""
    return _frame(
        f"""
        SELECT a.code, a.name, p.code AS parent_code, {_geometry(srid, "a.geom")}
        FROM admin_unit a LEFT JOIN admin_unit p ON p.id = a.parent_id
        WHERE a.level = :level ORDER BY a.code""",
        {"level": level},
    )


def natural_villages(
    *, srid: int, suppression: Suppression, as_of: datetime.datetime | None = None
) -> pd.DataFrame:
    """Return natural villages with their village, township and every indicator's counts and shares.

    Sensitive counts are withheld as `suppression` (the reader's) says; counts are of the households as
    they were at `as_of` when given.
    """
    hide = Hide(suppression, "nv.id", "natural_village")
    values = ", ".join(f"{sql} AS {name}" for name, sql in _values("s", hide=hide))
    return _frame(
        f"""
        WITH s AS ({_natural_village_stats(as_of=as_of)})
        SELECT nv.code, nv.name, v.code AS village_code, v.name AS village, t.name AS township, {values},
               {_geometry(srid, "nv.geom")}
        FROM natural_village nv
        JOIN admin_unit v ON v.id = nv.village_id
        JOIN admin_unit t ON t.id = v.parent_id
        LEFT JOIN s ON s.natural_village_id = nv.id
        ORDER BY nv.code""",
        disclosure_params(suppression),
    )


def _households_sql(
    srid: int, rules: dict[str, Rule], village_ids: Iterable[int] | None, as_of: datetime.datetime | None
) -> tuple[str, dict]:
    fields = household_fields(rules)
    where = "" if village_ids is None else "WHERE nv.village_id = ANY(:villages)"
    point = _in(srid)
    sql = f"""
        SELECT {", ".join(f"{sql} AS {name}" for name, sql in fields)}, natural_village_code,
               ST_X({point}) AS x, ST_Y({point}) AS y, {_geometry(srid)}
        FROM (SELECT h.*, nv.code AS natural_village_code
              FROM {asof.households(as_of)} h
              JOIN natural_village nv ON nv.id = h.natural_village_id {where}) household
        ORDER BY code"""
    return sql, {"villages": list(village_ids or [])}


def households(
    *,
    srid: int,
    rules: dict[str, Rule],
    village_ids: Iterable[int] | None,
    as_of: datetime.datetime | None = None,
) -> pd.DataFrame:
    """Return households with fields shown, masked or omitted per `rules`, in `village_ids` (None: all).

    As they were at `as_of` when given.

    Longitude and latitude (or x and y) of the point come as columns too, for
    tabular formats.
    """
    return _frame(*_households_sql(srid, rules, village_ids, as_of))


def household_chunks(
    *,
    srid: int,
    rules: dict[str, Rule],
    village_ids: Iterable[int] | None,
    size: int,
    as_of: datetime.datetime | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield the rows of `households` `size` at a time from a server-side cursor, as object columns.

    Only one chunk is in memory at once, however large the county; values keep their Python types
    (an integer column with gaps stays integers), so every chunk reads alike.
    """
    sql, params = _households_sql(srid, rules, village_ids, as_of)
    result = db.session.execute(text(sql), params, execution_options={"stream_results": True})
    columns = list(result.keys())
    for rows in result.partitions(size):
        yield pd.DataFrame(rows, columns=columns, dtype=object)


def household_count(village_ids: Iterable[int] | None, as_of: datetime.datetime | None = None) -> int:
    """Return how many households `village_ids` (None: all) hold (held at `as_of`)."""
    if village_ids is None:
        return db.session.execute(text(f"SELECT count(*) FROM {asof.households(as_of)} h")).scalar_one()
    return db.session.execute(
        text(f"""SELECT count(*) FROM {asof.households(as_of)} h
                 JOIN natural_village nv ON nv.id = h.natural_village_id
                 WHERE nv.village_id = ANY(:villages)"""),
        {"villages": list(village_ids)},
    ).scalar_one()


def area_count(layer: str) -> int:
    """Return how many townships, villages or natural villages (`layer`) there are."""
    if layer == "natural_villages":
        return db.session.execute(text("SELECT count(*) FROM natural_village")).scalar_one()
    return db.session.execute(
        text("SELECT count(*) FROM admin_unit WHERE level = :level"), {"level": layer[:-1]}
    ).scalar_one()


def layer_count(layer: Layer) -> int:
    """Return how many rows pairings or visits (`app.queries.work_layers`) would export."""
    return db.session.execute(text(f"SELECT count(*) FROM ({layer.sql}) q"), layer.params).scalar_one()


def work_layer(layer: Layer, *, srid: int, point: bool) -> pd.DataFrame:
    """Return pairings or visits (`app.queries.work_layers`) with their key as id; points with x and y too."""
    names = ", ".join(f'q."{name}"' for name in layer.properties)
    geom = _in(srid, "q.__geom")
    xy = f"ST_X({geom}) AS x, ST_Y({geom}) AS y, " if point else ""
    sql = f"SELECT q.__key AS id, {names}, {xy}{_geometry(srid, 'q.__geom')} FROM ({layer.sql}) q"
    return _frame(sql + " ORDER BY q.__key", layer.params)


def village_ids() -> list[int]:
    """Return the ids of all administrative villages."""
    return list(db.session.scalars(text("SELECT id FROM admin_unit WHERE level = 'village' ORDER BY id")))
