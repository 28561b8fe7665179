"""Boundary files that look drawn on GCJ-02 maps (AMap, Tencent) beside WGS84/CGCS2000 data.

GCJ-02 moves coordinates some 300–600 m in Guizhou, by a published formula. A file drawn on
such a map and imported as WGS84 is placed wrong by that much, everywhere in the same
direction, which the placement checks notice only where a feature leaves its parent. The whole
file is refused (unless forced, then warned about), suggesting the conversion, when

- compared with stored units of the same codes, its features are shifted by a median of
  ``GCJ02_OFFSET_M`` (100–700 m) and the shift disappears once converted from GCJ-02; or
- its new units stick out of their stored parents (villages, townships, the county: official
  outlines) where, converted from GCJ-02, they would fit. New units far from their parent's edge
  fit either way: nothing tells, and the 300–600 m stays unnoticed.
"""

from __future__ import annotations

import numpy as np
import pyproj

from ..queries import boundaries as sql
from . import gcj02
from .problems import Problem

GCJ02_OFFSET_M = (100.0, 700.0)
# New features look drawn on GCJ-02 maps when this share of their area lies outside their stored
# parents as drawn, and this many times less once converted. Correct outlines fit as drawn.
GCJ02_OUTSIDE_SHARE = 0.01
GCJ02_OUTSIDE_RATIO = 3
# The shift left once converted, as a share of the shift before: a GCJ-02 copy leaves almost none.
GCJ02_RESIDUAL_SHARE = 0.25
_GEOD = pyproj.Geod(ellps="GRS80")


def looking(file: str, staged, *, forced: bool) -> Problem | None:
    """Word a file that looks drawn on GCJ-02 maps beside what is stored (refused, or kept when `forced`).

    Features of stored codes are compared with the stored units (`shift`); new features with
    their stored parents (`outside_parents`). Returns None when neither looks shifted.
    """
    pairs = sql.centroid_pairs()
    found = shift(pairs)
    if found is None:
        new = staged[~staged["feature"].isin([p["feature"] for p in pairs])]
        if new.empty:
            return None
        converted = new[["feature"]].assign(geometry=gcj02.geometries_to_wgs84(new["geometry"].to_numpy()))
        found = outside_parents(sql.area_outside_stored_parents(new["feature"], converted))
    if found is None:
        return None
    value, en, zh = found
    if forced:
        return Problem(
            file,
            None,
            "geometry",
            value,
            f"{en}; imported as it is, as forced",
            f"{zh}；已按强制要求原样导入",
        )
    return Problem(
        file,
        None,
        "geometry",
        value,
        f"{en}: nothing imported. If the file comes from AMap or Tencent maps, import it again with "
        "--gcj02 (the page's GCJ-02 box); if it truly is WGS84/CGCS2000, with --force",
        f"{zh}：未导入。若文件来自高德或腾讯地图，请勾选 GCJ-02 转换（命令行 --gcj02）重新导入；"
        "若确为 WGS84/CGCS2000 坐标，请勾选“仍然替换”（命令行 --force）",
    )


def shift(pairs: list[dict]) -> tuple[str, str, str] | None:
    """Return (value, English, Chinese) when features sit where GCJ-02 would put their stored units.

    `pairs` are `sql.centroid_pairs()`: each staged feature's centroid beside its stored unit's.
    """
    if not pairs:
        return None
    x, y, stored_x, stored_y = (np.array([p[k] for p in pairs]) for k in ("x", "y", "stored_x", "stored_y"))
    offset = np.median(_GEOD.inv(stored_x, stored_y, x, y)[2])
    low, high = GCJ02_OFFSET_M
    if not low <= offset <= high:
        return None
    converted_x, converted_y = gcj02.to_wgs84(x, y)
    residual = np.median(_GEOD.inv(stored_x, stored_y, converted_x, converted_y)[2])
    if residual > GCJ02_RESIDUAL_SHARE * offset:
        return None
    return (
        f"{offset:,.0f} m",
        f"the coordinates look like GCJ-02 (AMap, Tencent): compared with the {len(pairs)} stored units "
        f"of the same codes they are shifted by a median of {offset:,.0f} m the way GCJ-02 shifts, and "
        f"by {residual:,.1f} m once converted from GCJ-02",
        f"坐标疑似 GCJ-02（高德、腾讯）：与已入库的 {len(pairs)} 个同编码单元相比，"
        f"中位偏移 {offset:,.0f} 米，方向与 GCJ-02 偏移一致，按 GCJ-02 转换后仅差 {residual:,.1f} 米",
    )


def outside_parents(areas: dict[str, float]) -> tuple[str, str, str] | None:
    """Return (value, English, Chinese) when new features fit their parents once converted from GCJ-02.

    `areas` are `sql.area_outside_stored_parents()`: area outside as drawn, as converted, and the
    total. Drawn on GCJ-02 maps, features near their parent's edge stick out of it by 300–600 m and
    fit once converted; correct ones fit as drawn and stick out "converted".
    """
    if not areas["total"]:
        return None
    drawn, converted = areas["drawn"] / areas["total"], areas["converted"] / areas["total"]
    if drawn < GCJ02_OUTSIDE_SHARE or drawn < GCJ02_OUTSIDE_RATIO * converted:
        return None
    return (
        f"{drawn:.1%} → {converted:.1%}",
        f"the coordinates look like GCJ-02 (AMap, Tencent): {drawn:.1%} of the new features' area lies "
        f"outside their stored parents as drawn, {converted:.1%} once converted from GCJ-02",
        f"坐标疑似 GCJ-02（高德、腾讯）：新要素按原坐标有 {drawn:.1%} 的面积在已入库的上级单位之外，"
        f"按 GCJ-02 转换后仅 {converted:.1%}",
    )
