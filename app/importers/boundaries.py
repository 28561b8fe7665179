"""Boundary files in: natural villages, villages or townships from Shapefile (zipped), GeoPackage,
GeoJSON or KML/KMZ, checked before anything is written.

The file's CRS is honoured (CGCS2000, its Gauss-Kruger zones, Xian 1980,
Beijing 1954, WGS84 …); a file without one is refused unless the user names
one; GCJ-02 files are converted when the user says so (never stored). A file
with several layers is read only when a layer is named; a Shapefile without
.cpg is decoded as its bytes say (`boundary_files`). Invalid polygons are
repaired with ``make_valid`` and reported. Features are then placed
(`boundary_checks`): the right way round, in the county, of a plausible size,
inside their parent, and not stranding the households or units a replaced
unit held (unless forced). Overlaps between siblings and gaps they leave in
their parent are reported with their area.

A file of natural villages may also hold their villages (12-digit codes), and a
file of villages their townships (codes ending in 000): those parents are
imported with it, first, and the children are checked against them.

Features are upserted by code in the caller's transaction; in all-or-nothing
mode (the default) any rejected feature means nothing is written.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Literal

import numpy as np
import pyogrio
import pyproj
import shapely

from ..models import SRID
from ..queries import boundaries as sql
from . import boundary_checks, boundary_features, gcj02
from .boundary_checks import PARENT_LEVEL
from .boundary_files import open_source, unreadable, whole_file
from .problems import Problem, Refused

Level = Literal["natural_village", "village", "township"]
CODE_FIELDS = ("code", "编码", "代码", "区划代码", "自然寨编码", "村编码", "乡镇编码")
NAME_FIELDS = ("name", "名称", "自然寨名称", "村名", "乡镇名称", "Name")


@dataclasses.dataclass
class BoundaryResult:
    """What a boundary import did: counts, rejected features, repairs, warnings, notes, overlaps and gaps."""

    file: str
    level: str
    crs: str | None = None
    layer: str | None = None
    features: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    problems: list[Problem] = dataclasses.field(default_factory=list)  # rejections
    repaired: list[Problem] = dataclasses.field(default_factory=list)  # accepted after repair
    warnings: list[Problem] = dataclasses.field(default_factory=list)  # accepted, but look at them
    notes: list[Problem] = dataclasses.field(default_factory=list)  # what was assumed or converted
    overlaps: list[dict] = dataclasses.field(default_factory=list)
    gaps: list[dict] = dataclasses.field(default_factory=list)


def import_boundaries(
    path: str | pathlib.Path,
    *,
    level: Level,
    crs: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    layer: str | None = None,
    gcj02_input: bool = False,
    force: bool = False,
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
        Attribute encoding to force (default: the file's; for a Shapefile without .cpg, UTF-8 when its
        text decodes as UTF-8, else GB18030).
    layer
        The layer to read from a file holding several (required then).
    gcj02_input
        The coordinates are GCJ-02 (AMap, Tencent): convert every vertex to WGS84/CGCS2000.
    force
        Replace stored units even where households or child units would fall outside them, and import
        a file whose coordinates look like GCJ-02 as it is.
    valid_only
        Import the acceptable features; by default any rejected feature means nothing is written.
    """
    path = pathlib.Path(path)
    result = BoundaryResult(file=name or path.name, level=level)
    try:
        frame, source_xy, source_crs = _read(
            path,
            result,
            crs=crs,
            encoding=encoding,
            layer=layer,
            gcj02_input=gcj02_input,
            max_bytes=max_bytes,
        )
        if frame.empty:
            raise Refused(whole_file(result.file, "the layer holds no features", "图层中没有要素"))
        code_column, name_column = _columns(frame, result.file, code_field, name_field)
    except Refused as refused:
        result.problems.append(refused.problem)
        return result
    result.features = len(frame)
    levels = _check(
        frame,
        result,
        source=(source_xy, source_crs),
        columns=(code_column, name_column),
        force=force,
        gcj02_input=gcj02_input,
        valid_only=valid_only,
    )
    if result.problems and not valid_only:
        sql.drop_stage()
        return result
    for lv in levels:  # parents first: their children join them by code
        counts = sql.upsert_boundaries(lv)
        result.inserted += counts["inserted"]
        result.updated += counts["updated"]
    sql.drop_stage()
    result.written = True
    result.unchanged = len(frame) - result.rejected - result.inserted - result.updated
    return result


def _check(
    frame, result: BoundaryResult, *, source, columns, force: bool, gcj02_input: bool, valid_only: bool
) -> list[str]:
    """Check every feature, leaving the acceptable ones staged; return the levels they hold, parent first.

    Problems, repairs, warnings, notes, overlaps, gaps and the rejected count go into `result`.
    Overlaps and gaps are those of what would be written: the acceptable features when only they
    are, else the whole file as it stands, so that one report shows everything to fix.
    """
    level, (code_column, name_column) = result.level, columns
    features, bad, problems, result.repaired = boundary_features.features(
        frame, result.file, level, code_column, name_column
    )
    result.problems += problems
    result.notes += boundary_features.parents_note(result.file, code_column, features, level)
    for i, problem in boundary_checks.placement(
        result.file,
        features["geometry"].to_numpy(),
        source_xy=source[0],
        source_crs=source[1],
        levels=features["level"].to_numpy(),
        extent=boundary_checks.county_extent(),
    ):
        result.problems.append(problem)
        bad[i] = True
    features["geometry"] = boundary_features.as_stored(features, sql.stored_outlines(features["code"]))
    staged = features[features["staged"]]
    sql.stage_boundaries(staged)
    rejected, problems, warnings = boundary_checks.against_stored(
        result.file, staged, code_column=code_column, force=force, gcj02_converted=gcj02_input
    )
    result.problems += problems
    result.warnings += warnings
    bad[[f - 1 for f in rejected]] = True
    result.problems += boundary_features.orphaned(result.file, features, bad)
    if valid_only:
        sql.drop_features((np.flatnonzero(bad) + 1).tolist())
    present = features["level"][~bad if valid_only else features["staged"]]
    levels = [lv for lv in (PARENT_LEVEL[level], level) if (present == lv).any()]
    for lv in levels:
        result.overlaps += sql.sibling_overlaps(lv)
        result.gaps += sql.sibling_gaps(lv)
    result.problems.sort(key=lambda p: p.row or 0)
    result.rejected = int(bad.sum())
    return levels


def _read(
    path: pathlib.Path,
    result: BoundaryResult,
    *,
    crs: str | None,
    encoding: str | None,
    layer: str | None,
    gcj02_input: bool,
    max_bytes: int,
):
    """Return the layer in EPSG:4490 (from GCJ-02 if asked), each feature's bbox centre as read, and its CRS.

    Raises
    ------
    Refused
        The file cannot be read, holds several layers and none is named, or states no CRS and none is named.
    """
    source = open_source(path, result.file, max_bytes=max_bytes, layer=layer, encoding=encoding)
    result.layer, result.notes = source.layer, [*result.notes, *source.notes]
    try:
        frame = pyogrio.read_dataframe(source.path, layer=source.layer, encoding=source.encoding)
    except Exception as error:  # GDAL's errors all mean "cannot read this" to the user
        raise Refused(unreadable(result.file, error)) from None
    if frame.crs is None:
        frame = frame.set_crs(_named_crs(result.file, crs))
    result.crs, source_crs = frame.crs.to_string(), frame.crs
    bounds = shapely.bounds(frame.geometry.values)
    source_xy = np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2])
    transformation = pyproj.Transformer.from_crs(frame.crs, SRID, always_xy=True).description
    if "ballpark" in transformation.lower():
        # Xian 1980 and Beijing 1954 have no published shift to CGCS2000 in PROJ: the projection is
        # undone exactly, the datum only approximately (tens of metres).
        result.notes.append(
            whole_file(
                result.file,
                f"datum shift from {frame.crs.name} to CGCS2000 is approximate: {transformation}",
                f"从 {frame.crs.name} 到 CGCS2000 的基准转换是近似转换：{transformation}",
                value=frame.crs.name,
            )
        )
    with np.errstate(invalid="ignore", over="ignore"):
        frame = frame.to_crs(SRID)
    if gcj02_input:
        frame = frame.set_geometry(gcj02.geometries_to_wgs84(frame.geometry.values), crs=SRID)
        result.notes.append(
            whole_file(
                result.file,
                "every vertex was converted from GCJ-02 to WGS84/CGCS2000",
                "所有坐标点已从 GCJ-02 转换为 WGS84/CGCS2000",
                value="GCJ-02",
            )
        )
    return frame, source_xy, source_crs


def _named_crs(file: str, crs: str | None) -> pyproj.CRS:
    """Return the CRS the user named for a file that states none; refuse none or an unknown one."""
    if not crs:
        raise Refused(
            whole_file(
                file,
                "the file states no CRS (.prj); name one, e.g. EPSG:4545",
                "文件未注明坐标系（缺少 .prj）；请指定一个，例如 EPSG:4545",
            )
        )
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as error:
        raise Refused(
            whole_file(
                file,
                f"unknown CRS {crs!r} ({error}); name one such as EPSG:4545",
                f"无法识别的坐标系 {crs!r}；请指定如 EPSG:4545 的坐标系",
                column="crs",
                value=crs,
            )
        ) from None


def _columns(frame, file: str, code_field: str | None, name_field: str | None) -> tuple[str, str]:
    """Return the code and name columns; refuse a file lacking either."""
    found = []
    for field, zh, candidates, wanted in (
        ("code", "编码", CODE_FIELDS, code_field),
        ("name", "名称", NAME_FIELDS, name_field),
    ):
        if wanted:
            column = wanted if wanted in frame.columns else None
        else:
            lower = {c.lower(): c for c in frame.columns}
            column = next((lower[c.lower()] for c in candidates if c.lower() in lower), None)
        if column is None:
            listed = ", ".join(c for c in frame.columns if c != frame.geometry.name)
            raise Refused(
                whole_file(
                    file,
                    f"no {field} field (looked for {wanted or ', '.join(candidates)}; the file has {listed})",
                    f"找不到{zh}字段（查找了 {wanted or '、'.join(candidates)}；文件中的字段为 {listed}）",
                    column=wanted,
                )
            )
        found.append(column)
    return found[0], found[1]
