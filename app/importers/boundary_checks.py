"""Checks that place boundary features where they belong, before anything is written.

Each check turns into a `Problem` worded in zh-CN and English, with its numbers and the fix:

- **Swapped axes**: a feature whose (x, y), read in the file's CRS, lands outside the county while
  (y, x) lands inside it has its axes swapped (latitude first, or a surveyor's X = northing).
- **County extent**: every feature lies within the county's bounding box widened by
  ``COUNTY_MARGIN_M`` (2 km): polygons at the equator, 150 km away or in another county are refused.
- **Plausible area** per level, ``AREA_KM2``: the synthetic county's natural villages are 0.7 km²,
  its villages 8 km², its townships 130 km²; in Guizhou (176,000 km², about 1,500 townships and
  15,000 villages) a township averages about 120 km² (an urban 街道 can be under 1 km², the largest
  rural towns reach 400–500 km²) and a village about 12 km² (a town 社区 can be 0.1 km²); a natural
  village (自然寨/村民组) is a few hectares to a few km². The ranges are wide enough for all of these
  and refuse a prefecture (10,000 km² and more) or a feature in the wrong units.
- **Inside its parent**, ``PARENT_TOLERANCE``: no point of a feature more than 250 m beyond its
  parent, and no more than 5 % of its area outside unless all of it lies within 20 m. Two
  independently digitised layers rarely disagree by more than a few tens of metres (a natural
  village on its village's edge moved by 5 m has 1 % of its area outside); a wrong code or CRS
  moves a feature by kilometres, or wholly into the next unit. The parent is the one the file
  holds, else the stored one. Child units a replaced unit would leave outside are measured alike.
- **Replacements that strand**: a stored unit replaced so that households (or child units) it
  held fall outside it is refused unless forced; forced, the stranded ones are named in a warning.
- **Looks like GCJ-02**: see `boundary_gcj02`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pyproj
import shapely

from .. import queries
from ..models import SRID
from ..queries import boundaries as sql
from . import boundary_gcj02
from .problems import Problem

COUNTY_MARGIN_M = 2_000.0
PARENT_TOLERANCE = {"share": 0.05, "metres": 250.0, "noise": 20.0}
AREA_KM2 = {"natural_village": (0.0005, 30.0), "village": (0.05, 200.0), "township": (0.3, 1_500.0)}
PARENT_LEVEL = {"natural_village": "village", "village": "township", "township": "county"}
LEVEL_NAMES = {
    "natural_village": ("natural village", "自然寨"),
    "village": ("village", "行政村"),
    "township": ("township", "乡镇"),
    "county": ("county", "县"),
}
_METRES_PER_DEGREE = 111_320.0


@dataclasses.dataclass(frozen=True)
class Extent:
    """The county's bounding box (degrees) and the same box widened by the margin."""

    west: float
    south: float
    east: float
    north: float

    def widened(self) -> tuple[float, float, float, float]:
        """Return the box widened by COUNTY_MARGIN_M on every side."""
        dy = COUNTY_MARGIN_M / _METRES_PER_DEGREE
        dx = dy / math.cos(math.radians((self.south + self.north) / 2))
        return self.west - dx, self.south - dy, self.east + dx, self.north + dy

    def contains(self, x, y) -> np.ndarray:
        """Return which points (x, y) lie inside the widened box (non-finite ones do not)."""
        west, south, east, north = self.widened()
        return (x >= west) & (x <= east) & (y >= south) & (y <= north)

    def text(self) -> str:
        return f"{self.west:.3f}–{self.east:.3f} E, {self.south:.3f}–{self.north:.3f} N"


WORLD = Extent(-180.0, -90.0, 180.0, 90.0)


def county_extent() -> Extent | None:
    """Return the stored county's extent, or None when no county is loaded."""
    county = queries.county()
    if county is None:
        return None
    return Extent(county["west"], county["south"], county["east"], county["north"])


def stageable(geometries) -> np.ndarray:
    """Return which geometries have finite longitudes and latitudes (PostGIS geography accepts only those)."""
    west, south, east, north = shapely.bounds(geometries).T
    with np.errstate(invalid="ignore"):
        return (west >= -180) & (east <= 180) & (south >= -90) & (north <= 90)


def placement(
    file: str, features, *, source_xy: np.ndarray, source_crs, levels: np.ndarray, extent: Extent | None
) -> list[tuple[int, Problem]]:
    """Return (index, problem) for features with swapped axes, outside the county, or of implausible area.

    Parameters
    ----------
    features
        The features' EPSG:4490 geometries (None where a feature has none).
    source_xy
        The centre of each feature's bounding box in the file's own CRS (x, y as stored).
    levels
        Each feature's level.
    """
    extent = extent or WORLD  # no county yet: its features are refused for want of a parent anyway
    present = ~shapely.is_missing(features)
    to_storage = pyproj.Transformer.from_crs(source_crs, SRID, always_xy=True)
    x, y = source_xy.T
    with np.errstate(invalid="ignore"):
        as_read = extent.contains(*to_storage.transform(x, y))
        swapped = present & ~as_read & extent.contains(*to_storage.transform(y, x))
        bounds = shapely.bounds(features)
        inside = extent.contains(bounds[:, 0], bounds[:, 1]) & extent.contains(bounds[:, 2], bounds[:, 3])
    outside = present & ~swapped & ~inside
    found = [(int(i), _swapped(file, i + 1, x[i], y[i], source_crs)) for i in np.flatnonzero(swapped)]
    found += [(int(i), _outside_county(file, i + 1, bounds[i], extent)) for i in np.flatnonzero(outside)]
    # Equal-area, so a prefecture far away is measured as well as a hamlet next door.
    placed = np.flatnonzero(present & ~swapped & stageable(features))
    km2 = _areas_km2(features[placed], extent)
    for i, area in zip(placed, km2, strict=True):
        low, high = AREA_KM2.get(levels[i], (0, np.inf))  # a feature of no level has a bad code
        if not low <= area <= high:
            found.append((int(i), _implausible_area(file, i + 1, area, levels[i])))
    return found


def _areas_km2(geometries, extent: Extent) -> np.ndarray:
    """Return areas in km² on a Lambert equal-area projection centred on the county (equal-area anywhere)."""
    lon, lat = (extent.west + extent.east) / 2, (extent.south + extent.north) / 2
    to_metres = pyproj.Transformer.from_crs(
        SRID, f"+proj=laea +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m", always_xy=True
    )
    projected = shapely.transform(geometries, lambda xy: np.column_stack(to_metres.transform(*xy.T)))
    return shapely.area(projected) / 1e6


def _swapped(file: str, feature: int, x: float, y: float, crs) -> Problem:
    name = crs.to_string() if crs is not None else "?"
    return Problem(
        file,
        feature,
        "geometry",
        f"x={x:.6g}, y={y:.6g}",
        f"x and y are swapped: read as (x, y) in {name} the feature lies outside the county, read as "
        "(y, x) inside it; swap them (QGIS: Processing Toolbox ▸ Swap X and Y coordinates) or export "
        "the file with longitude (easting) first",
        f"x、y 坐标颠倒：按 {name} 的 (x, y) 读取时要素在本县之外，按 (y, x) 读取则在县内；"
        "请交换坐标（QGIS：处理工具箱 ▸ Swap X and Y coordinates）或以经度（东坐标）在前重新导出",
    )


def _outside_county(file: str, feature: int, bounds, extent: Extent) -> Problem:
    west, south, east, north = bounds
    found = f"{west:.3f}–{east:.3f} E, {south:.3f}–{north:.3f} N"
    margin = f"{COUNTY_MARGIN_M / 1000:g}"
    return Problem(
        file,
        feature,
        "geometry",
        found,
        f"the feature lies outside the county ({extent.text()}, with a {margin} km margin): it spans "
        f"{found}; check the file's CRS (.prj, or the one named) and that it belongs to this county",
        f"要素不在本县范围内（{extent.text()}，含 {margin} 公里余量）：其范围为 {found}；"
        "请核对文件的坐标系（.prj 或所指定的坐标系）以及它是否属于本县",
    )


def _implausible_area(file: str, feature: int, km2: float, level: str) -> Problem:
    low, high = AREA_KM2[level]
    en, zh = LEVEL_NAMES[level]
    area = f"{km2:,.0f}" if km2 >= 100 else f"{km2:.3g}"
    return Problem(
        file,
        feature,
        "geometry",
        f"{area} km²",
        f"an area of {area} km² is not plausible for a {en} ({low:g}–{high:,g} km²): check the "
        "level chosen for the file and its CRS and units",
        f"面积 {area} 平方公里不像{zh}（应在 {low:g}–{high:,g} 平方公里之间）："
        "请核对所选的要素类型以及文件的坐标系和单位",
    )


def without_parent(file: str, column: str, row: dict, code: str) -> Problem:
    """Word a staged feature whose parent code names no unit."""
    en, zh = LEVEL_NAMES[row["parent_level"]]
    parent = row["parent_code"]
    return Problem(
        file,
        row["feature"],
        column,
        code,
        f"no {en} {parent} to belong to",
        f"没有编码为 {parent} 的{zh}可归属（编码前几位即上级编码）：请核对编码，或先导入该{zh}",
    )


def outside_parent(file: str, row: dict, level: str) -> Problem:
    """Word a staged feature lying outside its parent (`sql.outside_parents`)."""
    en, zh = LEVEL_NAMES[PARENT_LEVEL[level]]
    where = f"feature {row['parent_feature']} of this file" if row["parent_feature"] else "stored"
    where_zh = f"本文件第 {row['parent_feature']} 个要素" if row["parent_feature"] else "已入库"
    share, metres = row["share"], row["metres"]
    allowed, most, noise = (PARENT_TOLERANCE[k] for k in ("share", "metres", "noise"))
    return Problem(
        file,
        row["feature"],
        "geometry",
        f"{share:.1%}, {metres:,.0f} m",
        f"{share:.1%} of its area lies outside its {en} {row['parent_code']} {row['parent_name']} "
        f"({where}), up to {metres:,.0f} m beyond it (allowed: {allowed:.0%} beyond {noise:,.0f} m, "
        f"nothing beyond {most:,.0f} m): check its code (it names the parent) and the file's CRS",
        f"有 {share:.1%} 的面积在所属{zh} {row['parent_code']} {row['parent_name']}（{where_zh}）之外，"
        f"最远超出 {metres:,.0f} 米（允许超出 {noise:,.0f} 米的面积不超过 {allowed:.0%}，"
        f"任何部分不超出 {most:,.0f} 米）："
        "请核对其编码（编码决定上级）和文件的坐标系",
    )


def stranding(
    file: str, feature: int, code: str, level: str, households: dict | None, children: dict | None, *, forced
) -> Problem:
    """Word a replacement that leaves households or child units outside (refused, or done when `forced`)."""
    en, zh = LEVEL_NAMES[level]
    child_en, child_zh = {"village": ("natural villages", "自然寨"), "township": ("villages", "行政村")}.get(
        level, ("", "")
    )
    lost_en, lost_zh = [], []
    if households:
        count, listed = f"{households['count']:,}", ", ".join(households["examples"])
        where = "every natural village" if level == "natural_village" else "it"
        lost_en.append(f"{count} households outside {where} (e.g. {listed})")
        lost_zh.append(
            f"{count} 户落在{'任何自然寨' if level == 'natural_village' else '其'}之外（如 {listed}）"
        )
    if children:
        count, listed = f"{children['count']:,}", ", ".join(children["examples"])
        lost_en.append(f"{count} {child_en} outside it ({listed})")
        lost_zh.append(f"{count} 个{child_zh}落在其外（{listed}）")
    if forced:
        return Problem(
            file,
            feature,
            "geometry",
            code,
            f"{en} {code} replaced as forced: {' and '.join(lost_en)}",
            f"已按强制替换{zh} {code}：{'，'.join(lost_zh)}",
        )
    return Problem(
        file,
        feature,
        "geometry",
        code,
        f"replacing {en} {code} would leave {' and '.join(lost_en)}; check the file, or "
        "import with --force (the page's “Replace even so” box) to replace it anyway",
        f"替换{zh} {code} 将使 {'，'.join(lost_zh)}；请核对文件，"
        "如确需替换请勾选“仍然替换”（命令行 --force）",
    )


def against_stored(
    file: str, staged, *, code_column: str, force: bool, gcj02_converted: bool
) -> tuple[set[int], list[Problem], list[Problem]]:
    """Check the staged features against what is stored.

    Returns
    -------
    rejected : set of int
        The features refused.
    problems, warnings : list of Problem
        Why they are refused; what was accepted but deserves a look (forced replacements, GCJ-02).
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    code_of = dict(zip(staged["feature"], staged["code"], strict=True))
    level_of = dict(zip(staged["feature"], staged["level"], strict=True))
    for row in sql.staged_without_parent():
        problems.append(without_parent(file, code_column, row, code_of[row["feature"]]))
    for row in sql.outside_parents(**PARENT_TOLERANCE):
        problems.append(outside_parent(file, row, level_of[row["feature"]]))
    households = sql.stranded_households()
    children = sql.stranded_children(**PARENT_TOLERANCE)
    for feature in sorted(households.keys() | children.keys()):
        found = stranding(
            file,
            feature,
            code_of[feature],
            level_of[feature],
            households.get(feature),
            children.get(feature),
            forced=force,
        )
        (warnings if force else problems).append(found)
    rejected = {p.row for p in problems}
    shift = None if gcj02_converted else boundary_gcj02.looking(file, staged, forced=force)
    if shift and force:
        warnings.append(shift)
    elif shift:  # the whole file is shifted, not a feature
        problems.append(shift)
        rejected |= set(staged["feature"])
    return rejected, problems, warnings
