"""Writing a layer in a format: GDAL drivers, CSV for Excel, sheets people read, Shapefile's short names.

Everything here takes a layer already read (a GeoDataFrame, masked for its reader) and writes it;
what is read, for whom, and how files are bundled is `app.exports`.
"""

from __future__ import annotations

import dataclasses
import decimal
import functools
import pathlib

import geopandas
import pandas as pd
import pyogrio
import shapely

from .. import fields, localtime
from .cells import neutralised

# XLSX sheet names: the layers as people call them.
SHEETS = {
    "townships": "乡镇",
    "villages": "行政村",
    "natural_villages": "自然寨",
    "households": "农户",
    "pairings": "结对帮扶",
    "visits": "走访",
    "demands": "群众诉求",
}


@dataclasses.dataclass(frozen=True)
class Format:
    """An output format: GDAL driver, file extension, media type, and whether one file holds many layers."""

    driver: str | None
    extension: str
    media_type: str
    multi_layer: bool = False
    tabular: bool = False


FORMATS = {
    "gpkg": Format("GPKG", "gpkg", "application/geopackage+sqlite3", multi_layer=True),
    "shp": Format("ESRI Shapefile", "zip", "application/zip", multi_layer=True),
    "geojson": Format("GeoJSON", "geojson", "application/geo+json"),
    "csv": Format(None, "csv", "text/csv", tabular=True),
    "kml": Format("KML", "kml", "application/vnd.google-earth.kml+xml"),
    "xlsx": Format(
        "XLSX",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        multi_layer=True,
        tabular=True,
    ),
}

# Words shortened so Shapefile (dBase) field names fit in 10 characters.
_WORDS = {
    "registered": "reg",
    "share": "sh",
    "left": "l",
    "behind": "b",
    "children": "chld",
    "elderly": "eld",
    "empty": "e",
    "nest": "n",
    "natural": "n",
    "village": "vil",
    "disabled": "dis",
    "members": "mem",
    "dilapidated": "dilap",
    "house": "hse",
    "migrant": "mig",
    "workers": "wrk",
    "income": "inc",
    "per": "p",
    "capita": "cap",
    "family": "fam",
    "planning": "plan",
    "township": "twp",
    "households": "hh",
    "poverty": "pov",
    "status": "st",
    "parent": "par",
    "number": "no",
}


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """Return column → a unique dBase field name of at most 10 characters, the same for the same columns."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        short = column
        if len(short) > 10:
            short = "_".join(_WORDS.get(word, word) for word in column.split("_"))
        if len(short) > 10:
            short = short.replace("_", "")[:10]
        base, n = short, 1
        while short.lower() in taken:
            suffix = str(n)
            short, n = base[: 10 - len(suffix)] + suffix, n + 1
        taken.add(short.lower())
        names[column] = short
    return names


def tabular(frame: geopandas.GeoDataFrame) -> pd.DataFrame:
    """Return a layer as a plain table: points keep their coordinate columns, polygons get WKT."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if len(frame) and not (frame.geom_type == "Point").all():
        table["wkt"] = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
    return table


def spatial(frame: geopandas.GeoDataFrame) -> geopandas.GeoDataFrame:
    """Return a layer for a GIS format: coordinate columns are in the geometry already."""
    return frame.drop(columns=[c for c in ("lon", "lat", "x", "y") if c in frame.columns])


def write_one(
    frame, path: pathlib.Path, layer: str, fmt: str, metadata: dict[str, str], *, lang: str
) -> None:
    """Write one layer to `path` (adding it to the file when the format holds many); not XLSX (`workbook`)."""
    spec = FORMATS[fmt]
    if fmt == "csv":
        write_csv(tabular(frame), path)
        return
    frame = spatial(frame)
    options: dict = {}
    # GDAL cannot tell an empty layer's geometry type by itself.
    empty = {"geometry_type": "Point"} if frame.empty and layer in fields.POINT_LAYERS else {}
    if fmt == "gpkg":
        options = {"dataset_metadata": metadata if not path.exists() else None, "layer_metadata": metadata}
    elif fmt == "geojson":
        options = {"layer_options": {"DESCRIPTION": describe(metadata), "RFC7946": "NO"}}
    elif fmt == "shp":
        # A shapefile has dates but no times: a moment is written as text, in the county's zone.
        for column in frame.columns[frame.dtypes.map(lambda t: isinstance(t, pd.DatetimeTZDtype))]:
            frame[column] = frame[column].dt.tz_convert(localtime.zone()).dt.strftime("%Y-%m-%d %H:%M:%S")
        frame = frame.rename(columns=shapefile_names(list(frame.columns.drop(frame.geometry.name))))
        options = {"encoding": "UTF-8"}
    elif fmt == "kml":
        name = next(c for c in ("name", "code", "household_code") if c in frame)
        options = {"dataset_options": {"NameField": name}}
    pyogrio.write_dataframe(frame, path, layer=layer, driver=spec.driver, **options, **empty)


def sheet(frame: geopandas.GeoDataFrame, layer: str, lang: str) -> pd.DataFrame:
    """Return a layer as a sheet people read in `lang`: headers, numbers as numbers, 是/否, no WKT.

    Points keep their two coordinate columns; polygons get their centroid's instead.
    Values read as the importer reads them, so an exported household sheet re-imports.
    """
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if len(frame) and not (frame.geom_type == "Point").all():
        centres = shapely.centroid(frame.geometry.values)
        names = ("lon", "lat") if frame.crs.is_geographic else ("x", "y")
        table[names[0]], table[names[1]] = shapely.get_x(centres), shapely.get_y(centres)
    return sheet_table(table, layer, lang)


def sheet_name(layer: str, lang: str) -> str:
    return SHEETS[layer] if lang == "zh" else layer


def sheet_table(table: pd.DataFrame, layer: str, lang: str) -> pd.DataFrame:
    """Return the rows of `layer` (coordinates as columns, no geometry) as `sheet` shows them."""
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            column = column.map(functools.partial(cell, name, lang))
            if column.map(type).eq(decimal.Decimal).any():  # numeric(…) from PostgreSQL
                column = pd.to_numeric(column)
            table[name] = column
    return neutralised(table).rename(columns={c: fields.column_label(layer, c, lang) for c in table.columns})


def cell(field: str, lang: str, value):
    """Return a value as a sheet shows it: 是/否, the poverty status and a visit's kind in words."""
    if isinstance(value, bool) or (field in fields.WORDS and isinstance(value, str)):
        return fields.display(field, value, lang)
    return value


def write_csv(table: pd.DataFrame, path: pathlib.Path) -> None:
    """Write `table` as CSV that Excel opens as UTF-8 (the BOM) and runs no formula from."""
    neutralised(table).to_csv(path, index=False, encoding="utf-8-sig")


def describe(metadata: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in metadata.items())


def field_table(columns: dict[str, list[str]]) -> pd.DataFrame:
    """Return the Shapefile field-name mapping of every layer (layer, field, shapefile_field)."""
    rows = []
    for name, names in columns.items():
        rows += [(name, c, s) for c, s in shapefile_names(names).items()]
    return pd.DataFrame(rows, columns=["layer", "field", "shapefile_field"])
