"""Exports: the layers a user may see, masked per role, in the common GIS formats and CRSs.

Layers: townships, villages, natural villages (with every indicator's counts
and shares), households (fields per `privacy.field_rules`; a cadre gets only
the households of assigned villages), pairings and visits (`exports.work`: not
for gis), demands (`exports.demands`: not for gis). Formats: GeoPackage (all layers in one
file, with default QGIS styles), zipped Shapefile (.cpg, short field names mapped deterministically),
GeoJSON, CSV, KML, XLSX. CRSs: CRS84, EPSG:4490 or a CGCS2000 3-degree
Gauss-Kruger zone (EPSG:4534–4554). Every export is written to the audit log,
and carries the user and time in its metadata where the format has a place.

Functions here know nothing of Flask: the view and the CLI call `export`.
"""

from __future__ import annotations

import dataclasses
import datetime
import pathlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator

import geopandas
import pandas as pd
import shapely

from .. import audit, disclosure, localtime
from ..extensions import db
from ..models import SRID
from ..queries import exports as sql
from . import demands, households, styles, work, workbook
from .writers import (
    FORMATS,
    SHEETS,
    Format,
    describe,
    field_table,
    shapefile_names,
    sheet,
    sheet_name,
    spatial,
    write_csv,
    write_one,
)

__all__ = ["FORMATS", "SHEETS", "Format", "shapefile_names"]  # what views, the CLI and tests read here

LAYERS = ("townships", "villages", "natural_villages", "households", *work.LAYERS, demands.LAYER)
# How the export page names each layer and format (keys of the i18n catalogue).
TITLES = {
    "townships": "Townships (polygons)",
    "villages": "Villages (polygons)",
    "natural_villages": "Natural villages (polygons)",
    "households": "Households (points)",
    "pairings": "Pairings (lines from the cadre's patch)",
    "visits": "Visits (points)",
    "demands": "Demands (points)",
    "all": "All layers you may see",
    "gpkg": "GeoPackage (for QGIS)",
    "shp": "Shapefile (zipped)",
    "geojson": "GeoJSON",
    "csv": "CSV (table for programs)",
    "kml": "KML (Ovi Map, Google Earth)",
    "xlsx": "XLSX (Excel table)",
}
ALL = "all"
# Formats whose household layer is written a chunk at a time (XLSX too, through `workbook`).
STREAMED = ("csv", "geojson", "gpkg", "shp", "kml")


GK_ZONES = range(4534, 4555)  # CGCS2000 3-degree Gauss-Kruger CM 75E … 135E
CRS_NAMES = ("CRS84", "EPSG:4490", *(f"EPSG:{code}" for code in GK_ZONES))


@dataclasses.dataclass(frozen=True)
class Crs:
    """The CRS asked for: the SRID PostGIS transforms to, and how files label it."""

    srid: int
    label: str

    @property
    def geographic(self) -> bool:
        return self.srid == SRID

    @property
    def frame_label(self) -> str:
        """The CRS as a GeoDataFrame carries it: CRS84 is the stored lon/lat relabelled (CGCS2000 and
        WGS84 agree to centimetres)."""
        return self.label if self.label == "OGC:CRS84" else f"EPSG:{self.srid}"


def parse_crs(value: str | None) -> Crs:
    """Return the CRS named `value` (default CRS84); raise ValueError naming the accepted ones."""
    name = (value or "CRS84").strip().upper().replace("OGC:", "")
    if name in ("CRS84", "EPSG:4326", "WGS84"):
        # CGCS2000 and WGS84 agree to centimetres; lon/lat order as stored.
        return Crs(SRID, "OGC:CRS84")
    match = re.fullmatch(r"(?:EPSG:)?([0-9]{4})", name)
    if match and (int(match.group(1)) == SRID or int(match.group(1)) in GK_ZONES):
        return Crs(int(match.group(1)), f"EPSG:{match.group(1)}")
    raise ValueError(f"crs={value!r}: one of CRS84, EPSG:4490, EPSG:4534 … EPSG:4554 expected")


# --- reading the layers -----------------------------------------------------


def _frame_of(rows: pd.DataFrame, crs: Crs) -> geopandas.GeoDataFrame:
    geometry = shapely.from_wkb([bytes(wkb) for wkb in rows.pop("geometry")])
    return geopandas.GeoDataFrame(rows, geometry=geometry, crs=crs.frame_label)


def households_frame(user, crs: Crs, as_of: households.AsOf = None) -> geopandas.GeoDataFrame:
    """Return the households `user` may see, each field shown, masked or omitted as the role allows."""
    return _frame_of(households.rows(user, srid=crs.srid, geographic=crs.geographic, as_of=as_of), crs)


def row_count(layer: str, *, user, as_of: households.AsOf = None) -> int:
    """Return how many rows exporting `layer` (or 'all') as `user` writes: their households (as of
    `as_of`), pairings and visits as they may see them, every area."""

    def count(name: str) -> int:
        if name == "households":
            return households.count(user, as_of)
        if name in work.LAYERS:
            return work.count(name, user=user)
        if name == demands.LAYER:
            return demands.count(user=user)
        return sql.area_count(name)

    return sum(count(name) for name in (layers_for(user) if layer == ALL else [layer]))


def layers_for(user) -> tuple[str, ...]:
    """Return the layers `user` may export ('all' exports these)."""
    hidden = set() if work.allowed(user) else set(work.LAYERS)
    if not demands.allowed(user):
        hidden.add(demands.LAYER)
    return tuple(name for name in LAYERS if name not in hidden)


def layer_frame(layer: str, *, user, crs: Crs, as_of: households.AsOf = None) -> geopandas.GeoDataFrame:
    """Return one layer as a GeoDataFrame in `crs`, as `user` may see it (PermissionError: not at all).

    Households and the natural villages' counts are as they were at `as_of` when given.
    """
    if layer == "households":
        return households_frame(user, crs, as_of)
    if layer in (*work.LAYERS, demands.LAYER):
        if layer == demands.LAYER:
            rows = demands.rows(user=user, srid=crs.srid)
        else:
            rows = work.rows(layer, user=user, srid=crs.srid)
        return _frame_of(rows.rename(columns={"x": "lon", "y": "lat"} if crs.geographic else {}), crs)
    if layer == "natural_villages":
        suppression = disclosure.for_user(user)
        return _frame_of(sql.natural_villages(srid=crs.srid, suppression=suppression, as_of=as_of), crs)
    if layer in ("townships", "villages"):
        return _frame_of(sql.admin_units(layer[:-1], srid=crs.srid), crs)
    raise ValueError(f"layer {layer!r}: one of {', '.join(LAYERS)} expected")


# --- writing ----------------------------------------------------------------


def export(
    layer: str,
    fmt: str,
    *,
    user,
    crs: str | None = None,
    out: str | pathlib.Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    lang: str = "zh",
    as_of: datetime.date | None = None,
) -> tuple[bytes | None, dict]:
    """Export `layer` (or 'all') as `fmt` in `crs` for `user`; audit it and commit.

    Parameters
    ----------
    layer
        One of LAYERS, or 'all' for every layer.
    fmt
        A key of FORMATS.
    user
        The user whose privacy rules apply and who is written to the audit log.
    crs
        CRS84 (default), EPSG:4490 or EPSG:4534 … EPSG:4554. KML is always CRS84, as KML requires.
    out
        Write here; when None the bytes are returned.
    progress
        Called as progress(layer, done, total) as each layer is read.
    lang
        The language of an XLSX's sheet names, headers and words ("zh" or "en"); the importer reads either.
    as_of
        Households and natural-village counts as they were at the end of this day (county time).

    Returns
    -------
    (bytes or None, dict)
        The file's content (None when written to `out`) and a summary: file name, media type, counts.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)} expected")
    layers = list(layers_for(user)) if layer == ALL else [layer]
    if layer != ALL and layer not in LAYERS:
        raise ValueError(f"layer {layer!r}: one of {', '.join((*LAYERS, ALL))} expected")
    target = parse_crs("CRS84" if fmt == "kml" else crs)
    spec = FORMATS[fmt]
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    metadata = {
        "source": "Minqing Map 民情地图",
        "exported_by": user.username,
        "exported_at": now.isoformat(),
        "crs": target.label,
        "role": user.role_name,
    }
    metadata_as_of = {"as_of": as_of.isoformat()} if as_of else {}
    metadata.update(metadata_as_of)
    moment = localtime.end_of(as_of) if as_of else None
    zipped = fmt == "shp" or (len(layers) > 1 and not spec.multi_layer)
    stem = f"minqing-{layer}-{f'asof{as_of:%Y%m%d}-' if as_of else ''}{now:%Y%m%dT%H%M%SZ}"
    with tempfile.TemporaryDirectory(prefix="minqing-export-") as folder:
        folder = pathlib.Path(folder)
        if zipped:
            extension = "shp" if fmt == "shp" else spec.extension
            paths = {name: folder / f"{name}.{extension}" for name in layers}
            counts, columns = _write_layers(
                paths, fmt, metadata, user=user, crs=target, lang=lang, progress=progress, as_of=moment
            )
            if fmt == "shp":
                write_csv(field_table(columns), folder / "fields.csv")
            (folder / "README.txt").write_text(describe(metadata) + "\n", encoding="utf-8")
            result = folder / f"{stem}.zip"
            with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as archive:
                for member in sorted(folder.iterdir()):
                    if member != result:
                        archive.write(member, member.name)
            file_name, media_type = f"{stem}.zip", "application/zip"
        else:
            result = folder / f"{stem}.{spec.extension}"
            paths = dict.fromkeys(layers, result)
            counts, _ = _write_layers(
                paths, fmt, metadata, user=user, crs=target, lang=lang, progress=progress, as_of=moment
            )
            if fmt == "gpkg":
                styles.add_to_geopackage(str(result), layers, owner=user.username)
            file_name, media_type = result.name, spec.media_type
        if out is not None:
            shutil.move(result, out)
            content = None
        else:
            content = result.read_bytes()
    audit.record("export", layer, user=user, format=fmt, crs=target.label, features=counts, **metadata_as_of)
    db.session.commit()
    summary = {"file_name": file_name, "media_type": media_type, "features": counts, "crs": target.label}
    return content, summary


def _write_layers(
    paths: dict[str, pathlib.Path],
    fmt: str,
    metadata: dict[str, str],
    *,
    user,
    crs: Crs,
    lang: str,
    progress,
    as_of: households.AsOf = None,
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Read and write each layer in turn (only one in memory; households in chunks where the format
    allows).

    Returns each layer's feature count and, for a Shapefile's field table, its columns.
    """
    counts, columns = {}, {}
    book = workbook.Workbook(next(iter(paths.values()))) if fmt == "xlsx" else None
    for done, (name, path) in enumerate(paths.items(), start=1):
        if book is not None:
            parts = _sheets(name, user=user, crs=crs, lang=lang, as_of=as_of)
            counts[name] = book.add(sheet_name(name, lang), parts)
        elif name == "households" and fmt in STREAMED:
            counts[name] = _stream_households(fmt, user, path, crs, metadata, as_of)
            columns[name] = households.columns(user)
        else:
            frame = layer_frame(name, user=user, crs=crs, as_of=as_of)
            write_one(frame, path, name, fmt, metadata, lang=lang)
            counts[name] = len(frame)
            columns[name] = list(spatial(frame).columns.drop(frame.geometry.name))
            del frame
        if progress:
            progress(name, done, len(paths))
    if book is not None:
        book.save()
    return counts, columns


def _sheets(layer: str, *, user, crs: Crs, lang: str, as_of: households.AsOf) -> Iterator[pd.DataFrame]:
    """Yield the sheet of `layer` in parts: the households a chunk at a time, another layer whole."""
    if layer == "households":
        yield from households.sheets(user, srid=crs.srid, geographic=crs.geographic, lang=lang, as_of=as_of)
    else:
        yield sheet(layer_frame(layer, user=user, crs=crs, as_of=as_of), layer, lang)


def _stream_households(
    fmt: str, user, path: pathlib.Path, crs: Crs, metadata: dict[str, str], as_of: households.AsOf
) -> int:
    """Write the households as `fmt` (one of STREAMED) a chunk at a time and return their count."""
    if fmt == "csv":
        return households.write_csv(user, path, srid=crs.srid, geographic=crs.geographic, as_of=as_of)
    if fmt == "geojson":
        description = describe(metadata)
        return households.write_geojson(
            user, path, srid=crs.srid, crs_label=crs.label, description=description, as_of=as_of
        )
    if fmt == "gpkg":
        created = {"layer_metadata": metadata, "dataset_metadata": None if path.exists() else metadata}
        return households.write_appended(
            user, path, driver="GPKG", srid=crs.srid, crs=crs.frame_label, created=created, as_of=as_of
        )
    if fmt == "shp":
        return households.write_appended(
            user,
            path,
            driver="ESRI Shapefile",
            srid=crs.srid,
            crs=crs.frame_label,
            created={},
            as_of=as_of,
            encoding="UTF-8",
        )
    if fmt == "kml":
        return households.write_kml(user, path, srid=crs.srid, crs=crs.frame_label, as_of=as_of)
    raise ValueError(f"format {fmt!r}: households are written in chunks as {', '.join(STREAMED)}")
