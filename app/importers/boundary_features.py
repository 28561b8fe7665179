"""The features of a boundary file: code, level and parent read from the code; polygons repaired.

Statistical division codes nest by prefix, so a code says what a feature is and
where it belongs: a natural village's first 12 digits are its village's code, a
village's first 9 digits (plus 000) its township's, a township's first 6 (plus
000000) its county's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .boundary_checks import LEVEL_NAMES, PARENT_LEVEL, stageable
from .problems import Problem

# Two outlines whose vertices all agree to this (about 0.1 mm) are the same outline.
SAME_OUTLINE_DEGREES = 1e-9
CODE_EXPECTED = {
    "natural_village": (
        "a 14-digit natural village code expected (or the 12-digit code of its village)",
        "应为 14 位自然寨编码（或其所属行政村的 12 位编码）",
    ),
    "village": (
        "a 12-digit village code expected (or its township's, ending in 000)",
        "应为 12 位行政村编码（或其所属乡镇以 000 结尾的编码）",
    ),
    "township": ("a 12-digit township code ending in 000 expected", "应为以 000 结尾的 12 位乡镇编码"),
}


def level_of(code: str, level: str) -> str | None:
    """Return what `code` names in a file of `level`: that level, its parent's, or None (neither)."""
    if not (code.isascii() and code.isdigit()):
        return None
    township = len(code) == 12 and code[9:] == "000" and code[6:9] != "000"
    village = len(code) == 12 and code[9:] != "000"
    if level == "natural_village":
        return "natural_village" if len(code) == 14 else "village" if village else None
    if level == "village":
        return "village" if village else "township" if township else None
    return "township" if township else None


def _text(value) -> str:
    """Return an attribute as text: a DBF's numeric code (52269910020101.0) without its .0, none as ''."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parent_code(code: str, level: str) -> str:
    """Return the parent's code implied by a division code of `level`."""
    if level == "natural_village":
        return code[:12]
    if level == "village":
        return code[:9] + "000"
    return code[:6] + "000000"


def features(frame, file: str, level: str, code_column: str, name_column: str):
    """Return the file's features with level, parent and repaired polygon, the rejections and repairs.

    Returns
    -------
    table : pandas.DataFrame
        ``feature`` (1-based), ``level``, ``parent_level``, ``code``, ``name``, ``parent_code``,
        ``geometry`` (EPSG:4490, repaired) and ``staged`` (fit to be staged for the database checks).
    bad : numpy.ndarray
        Which features are rejected.
    problems, repaired : list of Problem
    """
    codes = frame[code_column].map(_text)
    names = frame[name_column].map(_text)
    levels = np.array([level_of(c, level) for c in codes], dtype=object)
    geometries = frame.geometry.values
    fixed = np.empty(len(frame), dtype=object)
    bad = np.zeros(len(frame), dtype=bool)
    problems: list[Problem] = []
    repaired: list[Problem] = []
    finite = np.isfinite(shapely.bounds(geometries)).all(axis=1)
    for i in range(len(frame)):
        feature, code, geometry = i + 1, codes.iat[i], geometries[i]
        if levels[i] is None:
            en, zh = CODE_EXPECTED[level]
            problems.append(Problem(file, feature, code_column, code, en, zh))
            bad[i] = True
        if not names.iat[i]:
            problems.append(Problem(file, feature, name_column, None, "no name", "缺少名称"))
            bad[i] = True
        if geometry is None or geometry.is_empty:
            problems.append(Problem(file, feature, "geometry", None, "no geometry", "没有几何图形"))
            bad[i] = True
            continue
        if not finite[i]:
            continue  # the CRS could not place it: refused by the placement checks
        fixed[i], problem = _polygon(file, feature, geometry, repaired)
        if problem is not None:
            problems.append(problem)
            bad[i] = True
    duplicated = codes.duplicated(keep=False).to_numpy()
    for i in np.flatnonzero(duplicated):
        problems.append(
            Problem(file, i + 1, code_column, codes.iat[i], "duplicate code in the file", "文件中编码重复")
        )
    bad |= duplicated
    table = pd.DataFrame(
        {
            "feature": np.arange(1, len(frame) + 1),
            "level": levels,
            "parent_level": [PARENT_LEVEL.get(lv) for lv in levels],
            "code": codes.to_numpy(),
            "name": names.to_numpy(),
            "parent_code": [parent_code(c, lv) if lv else None for c, lv in zip(codes, levels, strict=True)],
            "geometry": fixed,
        }
    )
    table["staged"] = ~bad & finite & stageable(fixed)
    return table, bad, problems, repaired


def _polygon(file: str, feature: int, geometry, repaired: list[Problem]) -> tuple[object, Problem | None]:
    """Return a feature's geometry as a 2-D valid (Multi)Polygon, noting a repair in `repaired`;
    or None and the problem when it holds no polygon."""
    polygon = shapely.force_2d(geometry)  # KML from phones carries altitudes
    if not shapely.is_valid(polygon):
        reason = shapely.is_valid_reason(polygon)
        polygon = _polygonal(shapely.make_valid(polygon))
        repair = ("invalid polygon repaired", "无效多边形已修复")
        repaired.append(Problem(file, feature, "geometry", reason, *repair))
    polygon = _polygonal(polygon)
    if polygon is None:
        kind = geometry.geom_type
        expected = ("a polygon expected", f"应为多边形，实为 {kind}")
        return None, Problem(file, feature, "geometry", kind, *expected)
    return polygon, None


def as_stored(table, stored: list[dict]) -> np.ndarray:
    """Return the outlines, each replaced by its stored unit's when they agree vertex by vertex.

    A file exported from this database in another CRS and imported back comes within a hair of
    what is stored (``SAME_OUTLINE_DEGREES``), never exactly: taken as the stored outline, it
    changes nothing, is not written and needs no check against what it would replace.

    `stored` is `sql.stored_outlines`: ``level``, ``code`` and ``wkb`` of the units of the same codes.
    """
    outlines = table["geometry"].to_numpy().copy()
    by_key = {(r["level"], r["code"]): shapely.from_wkb(bytes(r["wkb"])) for r in stored}
    for i, key in enumerate(zip(table["level"], table["code"], strict=True)):
        old, new = by_key.get(key), outlines[i]
        if old is None or new is None:
            continue
        multi = shapely.MultiPolygon(list(shapely.get_parts(new)))  # stored outlines are multipolygons
        if shapely.equals_exact(old, multi, tolerance=SAME_OUTLINE_DEGREES):
            outlines[i] = old
    return outlines


def parents_note(file: str, code_column: str, table, level: str) -> list[Problem]:
    """Return a note when the file holds parents of its features too (imported with them), else none."""
    count = int((table["level"] == PARENT_LEVEL[level]).sum())
    if not count:
        return []
    en, zh = LEVEL_NAMES[PARENT_LEVEL[level]]
    return [
        Problem(
            file,
            None,
            code_column,
            f"{count} × {en}",
            f"the file also holds {count} {en} features (their codes say so): they are imported with it, "
            "first, and the features inside them are checked against them",
            f"文件中另有 {count} 个{zh}（由编码判断）：将一并导入（先导入），其下属要素按它们核对",
        )
    ]


def orphaned(file: str, table, bad: np.ndarray) -> list[Problem]:
    """Reject, in place, features whose parent the file holds but rejects; return why."""
    parents = bad & table["level"].isin(["village", "township"]).to_numpy()
    rejected_parents = dict(zip(table["code"][parents], table["feature"][parents], strict=True))
    problems = []
    for i in np.flatnonzero(~bad & table["parent_code"].isin(rejected_parents).to_numpy()):
        row = table.iloc[i]
        en, zh = LEVEL_NAMES[row["parent_level"]]
        parent = rejected_parents[row["parent_code"]]
        problems.append(
            Problem(
                file,
                int(row["feature"]),
                "geometry",
                row["parent_code"],
                f"its {en} {row['parent_code']} (feature {parent} of this file) is rejected",
                f"其所属{zh} {row['parent_code']}（本文件第 {parent} 个要素）被拒绝",
            )
        )
        bad[i] = True
    return problems


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
