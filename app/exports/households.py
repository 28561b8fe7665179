"""The household layer as a user may see it: which villages at which detail, counted, read whole or streamed.

Villages are grouped by the detail the user has there; aggregate-only villages
are left out (their counts are in the natural-village layer).
"""

from __future__ import annotations

import datetime
import json
import pathlib
from collections.abc import Iterator

import geopandas
import pandas as pd
import pyogrio
import shapely

from .. import privacy
from ..models import Household
from ..queries import exports as sql
from ..queries import household_fields
from . import kml
from .cells import neutralised
from .writers import shapefile_names, sheet_table

# Rows read from PostgreSQL at once when a layer is streamed: a few MB, whatever the county's size.
CHUNK_ROWS = 5_000
LON_LAT = {"x": "lon", "y": "lat"}

Scope = tuple[privacy.Detail, list[int] | None]
AsOf = datetime.datetime | None  # the households as they were at this moment; now when None


def scopes(user) -> list[Scope]:
    """Return (detail, village ids or None for all) of each group of villages `user` sees households of."""
    groups: dict[privacy.Detail, list[int]] = {}
    villages = sql.village_ids()
    for village in villages:
        groups.setdefault(privacy.household_detail(user, village), []).append(village)
    found = [
        (detail, None if len(ids) == len(villages) else ids)
        for detail, ids in sorted(groups.items(), reverse=True)
        if detail is not privacy.Detail.AGGREGATE
    ]
    return found or [(privacy.Detail.MASKED, [])]  # no rows, but the columns a reader expects


def count(user, as_of: AsOf = None) -> int:
    """Return how many households `user` would export (as of `as_of`)."""
    return sum(sql.household_count(ids, as_of) for _, ids in scopes(user))


def rows(user, *, srid: int, geographic: bool, as_of: AsOf = None) -> pd.DataFrame:
    """Return every household `user` may see as one table (fields masked per detail), with WKB geometry.

    As they were at `as_of` when given.
    """
    frames = [
        sql.households(srid=srid, rules=privacy.field_rules(detail), village_ids=ids, as_of=as_of)
        for detail, ids in scopes(user)
    ]
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return table.rename(columns=LON_LAT if geographic else {})


def _chunks(found: list[Scope], srid: int, as_of: AsOf) -> Iterator[pd.DataFrame]:
    for detail, ids in found:
        rules = privacy.field_rules(detail)
        yield from sql.household_chunks(srid=srid, rules=rules, village_ids=ids, size=CHUNK_ROWS, as_of=as_of)


def _header(found: list[Scope]) -> list[str]:
    """Return the columns of every scope's rows in the order `rows` gives them (a union of their fields)."""
    header: list[str] = []
    for detail, _ in found:
        names = [name for name, _ in household_fields(privacy.field_rules(detail))]
        header += [n for n in (*names, "natural_village_code", "x", "y") if n not in header]
    return header


def write_csv(user, path: pathlib.Path, *, srid: int, geographic: bool, as_of: AsOf = None) -> int:
    """Write the households table `rows` gives as CSV, a chunk at a time; return how many were written.

    UTF-8 with a BOM (Excel reads it as such), formula-looking text neutralised, as every CSV export.
    """
    found = scopes(user)
    header = _header(found)
    labels = {n: LON_LAT.get(n, n) if geographic else n for n in header}
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        for chunk in _chunks(found, srid, as_of):
            table = neutralised(chunk.reindex(columns=header)).rename(columns=labels)
            table.to_csv(out, index=False, header=written == 0)
            written += len(table)
        if written == 0:
            pd.DataFrame(columns=list(labels.values())).to_csv(out, index=False)
    return written


def write_geojson(
    user, path: pathlib.Path, *, srid: int, crs_label: str, description: str, as_of: AsOf = None
) -> int:
    """Write the households `rows` gives as a GeoJSON FeatureCollection, a chunk at a time; return the count.

    As GDAL writes it for the other layers: the layer's name, `description`, and the CRS as a named
    URN (GeoJSON 2008, so projected coordinates may be written too).
    """
    urn = "urn:ogc:def:crs:OGC:1.3:CRS84" if crs_label == "OGC:CRS84" else f"urn:ogc:def:crs:EPSG::{srid}"
    head = {"type": "FeatureCollection", "name": "households", "description": description}
    head["crs"] = {"type": "name", "properties": {"name": urn}}
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ',\n"features": [\n')
        for chunk in _chunks(scopes(user), srid, as_of):
            properties = chunk.drop(columns=["x", "y", "geometry"]).to_dict("records")
            for record, x, y in zip(properties, chunk.x, chunk.y, strict=True):
                point = None if x is None else {"type": "Point", "coordinates": [x, y]}
                feature = {"type": "Feature", "properties": record, "geometry": point}
                out.write(("" if written == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
                written += 1
        out.write("\n]\n}\n")
    return written


def columns(user) -> list[str]:
    """Return the columns of `user`'s household layer in a GIS format (the point is its geometry)."""
    return _gis_header(scopes(user))


def _gis_header(found: list[Scope]) -> list[str]:
    return [name for name in _header(found) if name not in ("x", "y")]


def _typed_chunks(
    found: list[Scope], header: list[str], srid: int, as_of: AsOf
) -> Iterator[tuple[pd.DataFrame, list]]:
    """Yield each chunk as `header`'s columns typed alike (`_typed`) and its WKB points; one empty
    table when there are no households (the columns a reader expects)."""
    none = True
    for chunk in _chunks(found, srid, as_of):
        yield _typed(chunk.reindex(columns=header)), list(chunk["geometry"])
        none = False
    if none:
        yield _typed(pd.DataFrame(columns=header)), []


def frames(user, *, srid: int, crs: str, as_of: AsOf = None) -> Iterator[geopandas.GeoDataFrame]:
    """Yield the households `rows` gives as GeoDataFrames of a chunk each, labelled `crs` (as geopandas
    reads it), every chunk with the same columns and types; one empty frame when there are none."""
    found = scopes(user)
    for table, wkb in _typed_chunks(found, _gis_header(found), srid, as_of):
        points = shapely.from_wkb([None if point is None else bytes(point) for point in wkb])
        yield geopandas.GeoDataFrame(table, geometry=points, crs=crs)


def write_appended(
    user,
    path: pathlib.Path,
    *,
    driver: str,
    srid: int,
    crs: str,
    created: dict,
    as_of: AsOf = None,
    **options,
) -> int:
    """Write the households to layer households of `path` with GDAL's `driver`, a chunk at a time, each
    appended in a transaction of its own (so a worker holds one chunk); return the count.

    `created` are options for the layer's creation (metadata), `options` for every chunk. A
    Shapefile's fields get their short names (`writers.shapefile_names`).
    """
    written = 0
    for frame in frames(user, srid=srid, crs=crs, as_of=as_of):
        if driver == "ESRI Shapefile":
            frame = frame.rename(columns=shapefile_names(list(frame.columns.drop(frame.geometry.name))))
        # GDAL cannot tell an empty layer's geometry type by itself.
        empty = {"geometry_type": "Point"} if frame.empty else {}
        first = {} if written else created
        pyogrio.write_dataframe(
            frame, path, layer="households", driver=driver, append=written > 0, **first, **options, **empty
        )
        written += len(frame)
    return written


_NULLABLE = {bool: "boolean", int: "Int64", float: "Float64"}


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """Return `table` (object columns) with each column typed as the household table types it, not as
    the values of this chunk happen to suggest: every chunk appends to the same fields, nulls and all."""
    columns = Household.__table__.columns
    types = {}
    for name in table.columns:
        kind = columns[name].type.python_type if name in columns else str
        types[name] = _NULLABLE.get(kind, object)
    return table.astype(types)


def write_kml(user, path: pathlib.Path, *, srid: int, crs: str, as_of: AsOf = None) -> int:
    """Write the households as a KML file at `path`, a chunk at a time, named by their code; return
    the count."""
    chunks = frames(user, srid=srid, crs=crs, as_of=as_of)
    return kml.write(chunks, path, layer="households", name_field="code")


def sheets(user, *, srid: int, geographic: bool, lang: str, as_of: AsOf = None) -> Iterator[pd.DataFrame]:
    """Yield the households' sheet (`writers.sheet`) a chunk at a time, the point as two columns."""
    found = scopes(user)
    labels = LON_LAT if geographic else {}
    for table, _ in _typed_chunks(found, _header(found), srid, as_of):
        yield sheet_table(table.rename(columns=labels), "households", lang)
