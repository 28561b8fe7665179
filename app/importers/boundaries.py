"""Boundary files in: natural villages, villages or townships from Shapefile (zipped), GeoPackage,
GeoJSON or KML/KMZ.

The file's CRS is honoured (CGCS2000, its Gauss-Kruger zones, Xian 1980,
Beijing 1954, WGS84 …); a file without one is refused unless the user names
one. A zipped Shapefile without .cpg is read as GBK, the usual encoding of
Chinese GIS offices. Invalid polygons are repaired with ``make_valid`` and
reported; overlaps between siblings and gaps they leave in their parent are
reported with their area. Features are upserted by code in the caller's
transaction; in all-or-nothing mode (the default) any rejected feature means
nothing is written.
"""

from __future__ import annotations

import dataclasses
import pathlib
import zipfile
from typing import Literal

import numpy as np
import pyogrio
import pyproj
import shapely

from ..models import SRID
from ..queries import boundaries as sql
from .households import UNZIP_RATIO_LIMIT
from .problems import Problem
from .problems import Refused as _Refused

Level = Literal["natural_village", "village", "township"]
CODE_DIGITS = {"natural_village": 14, "village": 12, "township": 12}
PARENT_LEVEL = {"natural_village": "village", "village": "township", "township": "county"}
CODE_FIELDS = ("code", "编码", "代码", "区划代码", "自然寨编码", "村编码", "乡镇编码")
NAME_FIELDS = ("name", "名称", "自然寨名称", "村名", "乡镇名称", "Name")


@dataclasses.dataclass
class BoundaryResult:
    """What a boundary import did: counts, rejected features, repairs, overlaps and gaps."""

    file: str
    level: str
    crs: str | None = None
    features: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    problems: list[Problem] = dataclasses.field(default_factory=list)  # rejections
    repaired: list[Problem] = dataclasses.field(default_factory=list)  # accepted after repair
    overlaps: list[dict] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    gaps: list[dict] = dataclasses.field(default_factory=list)


def _source(path: pathlib.Path, file: str, max_bytes: int) -> tuple[str, str | None]:
    """Return the GDAL path to read and the encoding to force (GBK for a Shapefile without .cpg)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise _Refused(
            Problem(file, None, None, f"{size} bytes", f"file is over the limit of {max_bytes} bytes")
        )
    suffix = path.suffix.lower()
    if suffix not in (".zip", ".kmz"):
        return str(path), None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile as error:
        raise _Refused(Problem(file, None, None, None, f"unreadable or truncated file: {error}")) from None
    if unpacked > UNZIP_RATIO_LIMIT * max(size, 1) or unpacked > 10 * max_bytes:
        raise _Refused(Problem(file, None, None, f"{unpacked} bytes unpacked", "zip bomb refused"))
    wanted = (".shp", ".gpkg", ".geojson", ".json", ".kml")
    inner = sorted(n for n in names if n.lower().endswith(wanted) and not n.startswith("__MACOSX"))
    if not inner:
        raise _Refused(Problem(file, None, None, None, "the archive holds no .shp, .gpkg, .geojson or .kml"))
    encoding = None
    if inner[0].lower().endswith(".shp"):
        stem = inner[0][:-4]
        if f"{stem}.cpg" not in names and f"{stem}.CPG" not in names:
            encoding = "GB18030"  # no .cpg: Chinese offices' Shapefiles are GBK
    return f"/vsizip/{path}/{inner[0]}", encoding


def _column(frame, candidates: tuple[str, ...], wanted: str | None) -> str | None:
    if wanted:
        return wanted if wanted in frame.columns else None
    lower = {c.lower(): c for c in frame.columns}
    return next((lower[c.lower()] for c in candidates if c.lower() in lower), None)


def import_boundaries(
    path: str | pathlib.Path,
    *,
    level: Level,
    crs: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    valid_only: bool = False,
    max_bytes: int = 200 * 1024**2,
    name: str | None = None,
) -> BoundaryResult:
    """Import boundaries of `level` from a file into the caller's transaction; the caller commits.

    Parameters
    ----------
    path
        A zipped Shapefile (.zip with .shp/.shx/.dbf, ideally .prj and .cpg), .gpkg, .geojson, .kml or .kmz.
    level
        What the features are: natural villages (14-digit codes), villages or townships (12 digits).
    crs
        The CRS to assume when the file states none (e.g. 'EPSG:4545'); a file's own CRS always wins.
    code_field, name_field
        The attribute holding code and name (default: recognised from common names, 编码/名称 …).
    encoding
        Attribute encoding to force (default: the file's; GBK for a Shapefile without .cpg).
    valid_only
        Import the acceptable features; by default any rejected feature means nothing is written.
    """
    path = pathlib.Path(path)
    result = BoundaryResult(file=name or path.name, level=level)
    try:
        source, guessed = _source(path, result.file, max_bytes)
        frame = pyogrio.read_dataframe(source, encoding=encoding or guessed)
    except _Refused as refused:
        result.problems.append(refused.problem)
        return result
    except Exception as error:  # GDAL's errors all mean "cannot read this" to the user
        result.problems.append(
            Problem(result.file, None, None, None, f"unreadable or truncated file: {error}")
        )
        return result
    result.features = len(frame)
    if frame.crs is None:
        if not crs:
            result.problems.append(
                Problem(
                    result.file, None, None, None, "the file states no CRS (.prj); name one, e.g. EPSG:4545"
                )
            )
            return result
        frame = frame.set_crs(crs)
    result.crs = frame.crs.to_string()
    transformation = pyproj.Transformer.from_crs(frame.crs, SRID, always_xy=True).description
    if "ballpark" in transformation.lower():
        # Xian 1980 and Beijing 1954 have no published shift to CGCS2000 in PROJ: the projection is
        # undone exactly, the datum only approximately (tens of metres).
        result.notes.append(f"datum shift from {frame.crs.name} to CGCS2000 is approximate: {transformation}")
    frame = frame.to_crs(SRID)

    code_column = _column(frame, CODE_FIELDS, code_field)
    name_column = _column(frame, NAME_FIELDS, name_field)
    for field, column in (("code", code_column), ("name", name_column)):
        if column is None:
            result.problems.append(
                Problem(
                    result.file,
                    None,
                    code_field if field == "code" else name_field,
                    None,
                    f"no {field} field",
                )
            )
    if result.problems:
        return result

    digits = CODE_DIGITS[level]
    codes = frame[code_column].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    names = frame[name_column].astype(str).str.strip()
    bad = np.zeros(len(frame), dtype=bool)
    geometries = frame.geometry.values
    fixed = geometries.copy()
    for i in range(len(frame)):
        feature = i + 1
        code, geometry = codes.iat[i], geometries[i]
        if not code.isascii() or not code.isdigit() or len(code) != digits:
            result.problems.append(
                Problem(result.file, feature, code_column, code, f"{digits} digits expected")
            )
            bad[i] = True
        if geometry is None or geometry.is_empty:
            result.problems.append(Problem(result.file, feature, "geometry", None, "no geometry"))
            bad[i] = True
            continue
        geometry = shapely.force_2d(geometry)  # KML from phones carries altitudes
        if not shapely.is_valid(geometry):
            reason = shapely.is_valid_reason(geometry)
            geometry = _polygonal(shapely.make_valid(geometry))
            result.repaired.append(
                Problem(result.file, feature, "geometry", reason, "invalid polygon repaired")
            )
        geometry = _polygonal(geometry)
        if geometry is None:
            result.problems.append(
                Problem(result.file, feature, "geometry", geometries[i].geom_type, "a polygon expected")
            )
            bad[i] = True
        fixed[i] = geometry
    duplicated = codes.duplicated(keep=False).to_numpy()
    for i in np.flatnonzero(duplicated):
        result.problems.append(
            Problem(result.file, i + 1, code_column, codes.iat[i], "duplicate code in the file")
        )
    bad |= duplicated

    staged = frame.assign(
        feature=np.arange(1, len(frame) + 1),
        code=codes,
        name=names,
        parent_code=[_parent(c, level) for c in codes],
    ).set_geometry(fixed)[~bad]
    sql.stage_boundaries(staged.rename_geometry("geometry") if staged.geometry.name != "geometry" else staged)
    for orphan in sql.staged_without_parent(PARENT_LEVEL[level]):
        result.problems.append(
            Problem(
                result.file,
                orphan["feature"],
                code_column,
                codes.iat[orphan["feature"] - 1],
                f"no {PARENT_LEVEL[level]} {orphan['parent_code']} to belong to",
            )
        )
        bad[orphan["feature"] - 1] = True
    result.overlaps = sql.sibling_overlaps(level)
    result.gaps = sql.sibling_gaps(level)
    result.problems.sort(key=lambda p: p.row or 0)
    result.rejected = int(bad.sum())
    if result.problems and not valid_only:
        return result
    counts = sql.upsert_boundaries(level, skip_features=[int(i) + 1 for i in np.flatnonzero(bad)])
    result.written = True
    result.inserted, result.updated = counts["inserted"], counts["updated"]
    result.unchanged = len(frame) - result.rejected - result.inserted - result.updated
    return result


def _parent(code: str, level: str) -> str:
    """Return the parent's code implied by a division code (statistical codes nest by prefix)."""
    if level == "natural_village":
        return code[:12]
    if level == "village":
        return code[:9] + "000"
    return code[:6] + "000000"


def _polygonal(geometry):
    """Return the polygonal part of `geometry` as a (Multi)Polygon, or None when it has none."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
        polygons = [p for g in parts for p in shapely.get_parts(g)]
        return shapely.MultiPolygon(polygons) if polygons else None
    return None
