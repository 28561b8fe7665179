"""Household values checked: every cell parsed, every problem reported by row and column.

`check` turns the text rows of a household file into typed columns and a mask
of refused rows; the database is asked only for the county's extent.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import idnumber, queries
from . import gcj02
from .household_columns import REQUIRED
from .problems import Problem

if TYPE_CHECKING:
    from .households import ImportResult

BOOLEAN_FIELDS = (
    "dibao",
    "wubao",
    "family_planning",
    "left_behind_elderly",
    "empty_nest_elderly",
    "dilapidated_house",
)
COUNT_FIELDS = ("left_behind_children", "disabled_members", "migrant_workers")
BOOLEANS = {
    **dict.fromkeys(("是", "Y", "YES", "1", "TRUE", "T", "√", "✓", "有"), True),
    **dict.fromkeys(("否", "N", "NO", "0", "FALSE", "F", "×", "无", ""), False),
}
POVERTY = {
    **dict.fromkeys(("脱贫户", "已脱贫", "已脱贫户", "脱贫不稳定户", "LIFTED"), "lifted"),
    **dict.fromkeys(
        ("建档立卡户", "贫困户", "未脱贫", "未脱贫户", "建档立卡贫困户", "REGISTERED"), "registered"
    ),
    **dict.fromkeys(("监测户", "边缘易致贫户", "突发严重困难户", "监测对象", "MONITORED"), "monitored"),
    **dict.fromkeys(("一般户", "非贫困户", "普通户", "否", "", "NONE"), "none"),
}
MAX_LENGTHS = {"code": 32, "head_name": 32, "address": 200}


def check(
    rows: list[list[str]],
    header: list[str],
    header_row: int,
    fields: dict[str, str],
    result: ImportResult,
    gcj02_input: bool,
    swap_fix: bool,
    today: datetime.date | None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Parse and check every value; return the parsed frame and a mask of rows with problems."""
    raw = pd.DataFrame(rows, columns=range(len(header)), dtype=object)
    index_of = {field: header.index(h) for h, field in fields.items()}
    n = len(raw)
    row_numbers = np.arange(header_row + 1, header_row + 1 + n)
    bad = np.zeros(n, dtype=bool)
    problems = result.problems

    def flag(mask: np.ndarray, field: str, reason: str | list) -> None:
        """Report `field` in each row of `mask` with `reason` (one for all, or one per row)."""
        values = raw[index_of[field]]
        for i in np.flatnonzero(mask):
            text = reason if isinstance(reason, str) else reason[i]
            problems.append(
                Problem(result.file, int(row_numbers[i]), header[index_of[field]], values.iat[i], text)
            )
        bad[mask] = True

    out = pd.DataFrame({"row": row_numbers})
    for field in ("code", "head_name", "address"):
        if field not in index_of:
            continue
        values = raw[index_of[field]]
        if field in REQUIRED:
            flag((values == "").to_numpy(), field, "value required")
        flag(
            (values.str.len() > MAX_LENGTHS[field]).to_numpy(),
            field,
            f"longer than {MAX_LENGTHS[field]} characters",
        )
        out[field] = values.to_numpy()
    codes = out["code"]
    duplicated = codes.duplicated(keep=False).to_numpy() & (codes != "").to_numpy()
    flag(duplicated, "code", "duplicate household code in the file")

    if "id_number" in index_of:
        values = raw[index_of["id_number"]].str.upper()
        reasons = id_problems(values, today=today or datetime.date.today())
        flag(np.array([r is not None for r in reasons], dtype=bool), "id_number", reasons)
        out["id_number"] = values.where(values != "", None).to_numpy()
    if "natural_village_code" in index_of:
        values = raw[index_of["natural_village_code"]]
        flag(
            (~values.str.fullmatch(r"([0-9]{14})?")).to_numpy(), "natural_village_code", "14 digits expected"
        )
        out["natural_village_code"] = values.to_numpy()

    for field in BOOLEAN_FIELDS:
        if field in index_of:
            values = _lookup(raw[index_of[field]], BOOLEANS)
            flag(values.isna().to_numpy(), field, "是/否 (yes/no, Y/N, 1/0) expected")
            out[field] = values.fillna(False).astype(bool).to_numpy()
    if "poverty_status" in index_of:
        values = _lookup(raw[index_of["poverty_status"]], POVERTY)
        flag(values.isna().to_numpy(), "poverty_status", "one of 脱贫户, 监测户, 建档立卡户, 一般户 expected")
        out["poverty_status"] = values.fillna("none").to_numpy()
    for field, minimum, default in (
        ("members", 1, 1),
        *((f, 0, 0) for f in COUNT_FIELDS),
        ("income_per_capita", None, None),
    ):
        if field not in index_of:
            continue
        text_values = raw[index_of[field]]
        numbers = pd.to_numeric(text_values.str.replace(",", ""), errors="coerce")
        empty = (text_values == "").to_numpy()
        invalid = numbers.isna().to_numpy() & ~empty
        if field != "income_per_capita":
            invalid |= ~empty & ~numbers.isna().to_numpy() & (numbers.to_numpy() % 1 != 0)
            flag(invalid, field, "a whole number expected")
            below = ~empty & ~invalid & (numbers.fillna(minimum).to_numpy() < minimum)
            flag(below, field, f"at least {minimum} expected")
        else:
            flag(invalid, field, "a number expected")
        numbers = numbers.round().where(~(invalid | empty), default)
        out[field] = pd.array(numbers, dtype="Int64")

    lon = pd.to_numeric(raw[index_of["lon"]], errors="coerce").to_numpy(float, copy=True)
    lat = pd.to_numeric(raw[index_of["lat"]], errors="coerce").to_numpy(float, copy=True)
    flag(np.isnan(lon), "lon", "a longitude in degrees expected")
    flag(np.isnan(lat) & ~np.isnan(lon), "lat", "a latitude in degrees expected")
    _check_coordinates(lon, lat, result, raw, index_of, header, row_numbers, bad, gcj02_input, swap_fix)
    out["lon"], out["lat"] = lon, lat
    return out, pd.Series(bad)


def _lookup(values: pd.Series, table: dict) -> pd.Series:
    """Map `values` through `table`, trying upper case only for the few that miss (y, yes, true…)."""
    mapped = values.map(table)
    missing = mapped.isna()
    if missing.any():
        mapped[missing] = values[missing].str.upper().map(table)
    return mapped


def id_problems(values: pd.Series, *, today: datetime.date) -> list[str | None]:
    """Return `idnumber.problem` of each non-empty ID number, None where valid or empty.

    Well-formed numbers are recognised in bulk with numpy (digits, check
    character, birth date); only the others go through `idnumber.problem`, which
    words the reason, so both paths agree by construction on what is valid.
    """
    text_values = values.to_numpy(dtype=object)
    reasons: list[str | None] = [None] * len(text_values)
    candidates = np.flatnonzero(values.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).to_numpy())
    fine = np.zeros(len(text_values), dtype=bool)
    if len(candidates):
        chars = np.frombuffer("".join(text_values[candidates]).encode("ascii"), dtype=np.uint8)
        chars = chars.reshape(-1, idnumber.LENGTH)
        digits = (chars[:, :-1] - ord("0")).astype(np.int64)
        expected = np.frombuffer(idnumber.CHECK_CHARACTERS.encode(), dtype=np.uint8)[
            digits @ np.array(idnumber.WEIGHTS) % 11
        ]
        born = pd.to_datetime(
            pd.Series(text_values[candidates]).str.slice(6, 14), format="%Y%m%d", errors="coerce"
        )
        good = (expected == chars[:, -1]) & born.notna().to_numpy() & (born <= pd.Timestamp(today)).to_numpy()
        fine[candidates[good]] = True
    for i in np.flatnonzero(~fine):
        if text_values[i]:
            reasons[i] = idnumber.problem(text_values[i], today=today)
    return reasons


def _check_coordinates(
    lon, lat, result, raw, index_of, header, row_numbers, bad, gcj02_input, swap_fix
) -> None:
    """Detect swapped and out-of-county points, fix swaps when asked, convert GCJ-02; all in place.

    Swaps are detected on the values as typed: the GCJ-02 offset (under a
    kilometre) is far smaller than what a swap moves a point in Guizhou.
    """
    county = queries.county()
    if county is None:
        raise RuntimeError("no county is loaded; load boundaries before households")
    west, south, east, north = county["west"], county["south"], county["east"], county["north"]

    def inside(x, y):
        return (x >= west) & (x <= east) & (y >= south) & (y <= north)

    def typed(i: int) -> str:
        return f"{raw[index_of['lon']].iat[i]}, {raw[index_of['lat']].iat[i]}"

    column = header[index_of["lon"]]
    valid = ~(np.isnan(lon) | np.isnan(lat))
    swapped = valid & ~inside(lon, lat) & inside(lat, lon)
    if swap_fix:
        lon[swapped], lat[swapped] = lat[swapped].copy(), lon[swapped].copy()
        result.swapped_fixed = int(swapped.sum())
    else:
        for i in np.flatnonzero(swapped):
            reason = "latitude and longitude are swapped (import with the swap fix to correct them)"
            result.problems.append(Problem(result.file, int(row_numbers[i]), column, typed(i), reason))
        bad[swapped] = True
        valid &= ~swapped
    if gcj02_input:
        lon[valid], lat[valid] = gcj02.to_wgs84(lon[valid], lat[valid])
    outside = valid & ~inside(lon, lat)
    for i in np.flatnonzero(outside):
        reason = f"point is outside the county ({west:.3f}–{east:.3f} E, {south:.3f}–{north:.3f} N)"
        result.problems.append(Problem(result.file, int(row_numbers[i]), column, typed(i), reason))
    bad[outside] = True
