"""The cadre register in (干部名册, .xlsx or .csv): who works, where, and the patch each is responsible for.

One row per cadre, matched by mobile number: a cadre met again is updated (and
active), a new one added. The patch columns list natural-village codes and
household codes separated by 、 , ; or spaces; they replace that cadre's patch.
"""

from __future__ import annotations

import pathlib

import pandas as pd

from ..queries import work as sql
from .households import ImportResult
from .rows import Rows, read_rows, recogniser

HEADERS = {
    "姓名": "name",
    "干部姓名": "name",
    "单位": "unit",
    "工作单位": "unit",
    "手机号": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "身份": "role",
    "类别": "role",
    "干部类别": "role",
    "职务": "duty",
    "职位": "duty",
    "所在村编码": "village_code",
    "行政村编码": "village_code",
    "包片自然寨": "natural_villages",
    "包片自然寨编码": "natural_villages",
    "包片农户": "households",
    "包片户编号": "households",
}
FIELDS = ("name", "unit", "phone", "role", "duty", "village_code", "natural_villages", "households")
REQUIRED = {"name": "姓名", "phone": "手机号", "role": "身份", "village_code": "所在村编码"}
ROLES = {
    **dict.fromkeys(("村两委", "两委", "村干部", "committee"), "committee"),
    **dict.fromkeys(("驻村干部", "驻村", "第一书记", "驻村工作队", "resident"), "resident"),
    **dict.fromkeys(("部门帮扶干部", "部门", "帮扶干部", "结对干部", "department"), "department"),
}
SEPARATORS = r"[,，、;；\s]+"

field_of = recogniser(HEADERS, FIELDS)


def _patches(frame: pd.DataFrame, column: str, code_column: str) -> pd.DataFrame:
    """Return one (row, phone, code) per code listed in `column`."""
    listed = frame[["row", "phone", column]].assign(code=frame[column].str.split(SEPARATORS)).explode("code")
    listed = listed[listed.code.fillna("") != ""]
    return listed[["row", "phone", "code"]].rename(columns={"code": code_column})


def _check(rows: Rows) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check every row; return the cadres and their patch pieces (rows with problems flagged)."""
    f = rows.frame
    rows.flag(f.name == "", "name", "name missing", "缺少姓名")
    rows.flag(f.name.str.len() > 32, "name", "name over 32 characters", "姓名超过32字")
    rows.flag(f.unit.str.len() > 100, "unit", "unit over 100 characters", "单位超过100字")
    rows.flag(f.duty.str.len() > 16, "duty", "duty over 16 characters", "职务超过16字")
    rows.flag(
        ~f.phone.str.fullmatch(r"1[3-9][0-9]{9}"),
        "phone",
        "11-digit mobile number expected",
        "应为11位手机号",
    )
    rows.flag(f.phone.duplicated(keep="first") & (f.phone != ""), "phone", "phone listed twice", "手机号重复")
    role = f.role.map(ROLES)
    rows.flag(
        role.isna(), "role", "村两委, 驻村干部 or 部门帮扶干部 expected", "应为村两委、驻村干部或部门帮扶干部"
    )
    rows.flag(
        ~f.village_code.isin(sql.codes("admin_unit", level="village")),
        "village_code",
        "no administrative village has this code",
        "没有该行政村编码",
    )
    villages = _patches(f, "natural_villages", "natural_village_code")
    households = _patches(f, "households", "household_code")
    unknown_nv = villages.row[~villages.natural_village_code.isin(sql.codes("natural_village"))]
    rows.flag_rows(
        unknown_nv, "natural_villages", "unknown natural village code listed", "包片中有不存在的自然寨编码"
    )
    unknown_h = households.row[~households.household_code.isin(sql.codes("household"))]
    rows.flag_rows(unknown_h, "households", "unknown household code listed", "包片中有不存在的户编号")
    cadres = f.assign(role=role)[["row", "name", "unit", "phone", "role", "duty", "village_code"]]
    patches = pd.concat([villages, households], ignore_index=True).fillna("")
    return cadres, patches


def import_register(
    path: str | pathlib.Path,
    *,
    valid_only: bool = False,
    max_bytes: int = 200 * 1024**2,
    name: str | None = None,
) -> ImportResult:
    """Import a cadre register into the caller's transaction, which the caller commits.

    By default a single problem refuses the whole file; with `valid_only` the rows without one
    are written. Patches are replaced only when the file has a patch column.
    """
    result, rows = read_rows(
        path, name=name, field_of=field_of, fields=FIELDS, required=REQUIRED, max_bytes=max_bytes
    )
    if rows is None:
        return result
    cadres, patches = _check(rows)
    rows.finish()
    if result.rejected and not valid_only:
        return result
    good = set(rows.frame.row[~rows.bad])
    sql.stage("cadre", cadres[cadres.row.isin(good)])
    sql.stage(
        "patch",
        patches[patches.row.isin(good)].reindex(columns=["phone", "natural_village_code", "household_code"]),
    )
    counts = sql.upsert_staged_cadres(with_duty="duty" in result.columns.values())
    if {"natural_villages", "households"} & set(result.columns.values()):
        sql.replace_staged_patches()  # a register without patch columns leaves the patches alone
    result.inserted, result.updated = counts["inserted"], counts["updated"]
    result.written = True
    return result
