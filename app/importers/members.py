"""Household members in (#13): a member form (.xlsx or .csv) in either layout, checked, then each
household's members replaced.

Every value is checked (`member_layouts` reads both layouts): the household code
exists (and, for a cadre, lies in their villages), a name, a relation from the
known list, the ID number (check character, birth date), the birth date and sex
agree with it, the yes/no columns; then each household: exactly one head, a
left-behind child under 16 and not with both parents at home, no ID number twice.
By default one problem refuses the whole file; with `valid_only` the households
without problems are written and the others skipped whole (half a family would
make wrong counts). A household's members are replaced, never merged: importing
a corrected form again is safe, and each person already on file keeps their record
(`queries.members.replace_members`), so only what the form changes gets a version.
"""

from __future__ import annotations

import datetime
import pathlib

import numpy as np
import pandas as pd

from ..queries import members as sql
from ..queries import stats
from .household_checks import BOOLEANS, Reason, id_reasons, lookup
from .households import ImportResult
from .member_layouts import LABELS, People, is_header, read_people, scattered
from .problems import Problem
from .spreadsheets import read_into
from .visits import dates

RELATION_WORDS = {
    **dict.fromkeys(("户主", "本人", "户主本人"), "head"),
    **dict.fromkeys(("配偶", "妻", "妻子", "夫", "丈夫", "之妻", "之夫"), "spouse"),
    **dict.fromkeys(("子", "儿子", "长子", "次子", "三子", "之子", "独子"), "son"),
    **dict.fromkeys(("女", "女儿", "长女", "次女", "三女", "之女", "独女"), "daughter"),
    **dict.fromkeys(("儿媳", "儿媳妇", "媳妇"), "daughter_in_law"),
    **dict.fromkeys(("女婿",), "son_in_law"),
    **dict.fromkeys(("孙子", "孙", "外孙子", "外孙"), "grandson"),
    **dict.fromkeys(("孙女", "外孙女"), "granddaughter"),
    **dict.fromkeys(("父亲", "父"), "father"),
    **dict.fromkeys(("母亲", "母"), "mother"),
    **dict.fromkeys(("祖父", "爷爷", "外祖父"), "grandfather"),
    **dict.fromkeys(("祖母", "奶奶", "外祖母"), "grandmother"),
    **dict.fromkeys(("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"), "sibling"),
    **dict.fromkeys(("其他", "其他亲属"), "other"),
}
SEXES = {"男": "M", "女": "F", "M": "M", "F": "F"}
FLAGS = ("disabled", "student", "migrant_worker", "left_behind_child", "insured")
LEFT_BEHIND_AGE = 16
NAME_MAX, PLACE_MAX = 32, 64
# Whose children a left-behind child is: the head and spouse's, or a son's or daughter's family's.
PARENTS = {
    "son": ("head", "spouse"),
    "daughter": ("head", "spouse"),
    "grandson": ("son", "daughter_in_law"),
    "granddaughter": ("son", "daughter_in_law"),
}
NO_CODE: Reason = (
    "no household above this row: put the head's row (户主, with the household code) first",
    "本行之上没有户主行：请先填写户主行（含户编号），再逐行填写其家庭成员",
)
UNKNOWN_HOUSEHOLD: Reason = (
    "no household has this code; import the household first",
    "户编号不存在；请先导入该户",
)
OUTSIDE: Reason = (
    "household is outside the villages you may edit",
    "该户不在您负责的行政村内；请由管理员或该村干部导入",
)


class _Checked:
    """The persons of a form, and the problems found so far, which refuse their whole households."""

    def __init__(self, people: People, result: ImportResult):
        self.people, self.f, self.result = people, people.frame, result
        self.bad = pd.Series(False, index=self.f.index)

    def flag(self, mask, field: str, reason: Reason, values: pd.Series | None = None) -> None:
        """Report a problem in `field` on each person in `mask`."""
        mask = pd.Series(mask, index=self.f.index).fillna(False).astype(bool)
        shown = self.f[field] if values is None else values
        for i in np.flatnonzero(mask.to_numpy()):
            row, slot = int(self.f.row.iat[i]), self.f.slot.iat[i]
            value = shown.iat[i]
            column = self.people.column(slot, field)
            self.result.problems.append(Problem(self.result.file, row, column, value or None, *reason))
        self.bad |= mask


def _yes_no(c: _Checked) -> dict[str, pd.Series]:
    flags = {}
    for field in FLAGS:
        values = lookup(c.f[field], BOOLEANS)
        c.flag(values.isna(), field, ("是/否 (yes/no) expected", "应填 是 或 否"))
        flags[field] = values.fillna(False).astype(bool)
    return flags


def _born(c: _Checked, ids: pd.Series, valid_id: pd.Series) -> pd.Series:
    """Check the birth dates against the ID numbers; return each person's birth date."""
    typed = c.f.birth_date.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    given = dates(typed)
    from_id = pd.to_datetime(ids.str.slice(6, 14).where(valid_id), format="%Y%m%d", errors="coerce")
    c.flag(
        (c.f.birth_date != "") & given.isna(),
        "birth_date",
        ("date expected (1980-03-05)", "应为日期（如 1980-03-05）"),
    )
    for i in np.flatnonzero((given.notna() & from_id.notna() & (given != from_id)).to_numpy()):
        mask = pd.Series(False, index=c.f.index)
        mask.iat[i] = True
        day = from_id.iat[i].date().isoformat()
        reason = (
            f"the birth date disagrees with the ID number's ({day})",
            f"出生日期与身份证号中的出生日期（{day}）不一致",
        )
        c.flag(mask, "birth_date", reason)
    return given.fillna(from_id)


def _check_people(c: _Checked, *, today: datetime.date) -> pd.DataFrame:
    """Check every person's values that need no other person; return them typed."""
    f = c.f
    c.flag(f.name == "", "name", ("name missing", "缺少姓名"))
    c.flag(f.name.str.len() > NAME_MAX, "name", ("name over 32 characters", "姓名超过32个字"))
    relation = f.relation.map(RELATION_WORDS)
    relation = relation.where(relation.notna(), f.relation.map({v: v for v in RELATION_WORDS.values()}))
    reason = (
        "relation to the head expected: 户主, 配偶, 子, 女, 儿媳, 女婿, 孙子, 孙女, 父亲, 母亲, "
        "祖父, 祖母, 兄弟姐妹 or 其他",
        "与户主关系应为：户主、配偶、子、女、儿媳、女婿、孙子、孙女、父亲、母亲、祖父、祖母、兄弟姐妹或其他",
    )
    c.flag(relation.isna(), "relation", reason)
    ids = f.id_number.str.upper()
    c.flag(ids == "", "id_number", ("ID number missing", "缺少身份证号"))
    reasons = id_reasons(ids, today=today)
    for r in set(filter(None, reasons)):
        c.flag(pd.Series([x == r for x in reasons], index=f.index), "id_number", r)
    valid_id = (ids != "") & pd.Series([r is None for r in reasons], index=f.index)
    born = _born(c, ids, valid_id)
    sex_of_id = pd.Series(np.where(ids.str.slice(16, 17).isin(list("13579")), "M", "F"), index=f.index)
    sex = lookup(f.sex, SEXES)
    c.flag((f.sex != "") & sex.isna(), "sex", ("男 or 女 expected", "性别应为 男 或 女"))
    wrong = sex.notna() & valid_id & (sex != sex_of_id)
    c.flag(
        wrong,
        "sex",
        ("the sex disagrees with the ID number", "性别与身份证号不一致（第17位单数为男，双数为女）"),
    )
    c.flag(f.migrant_place.str.len() > PLACE_MAX, "migrant_place", ("over 64 characters", "超过64个字"))
    twice = valid_id & ids.duplicated(keep=False)
    c.flag(twice, "id_number", ("ID number listed twice in the file", "文件中身份证号重复"))
    return pd.DataFrame(
        {
            "household_code": f.household_code,
            "name": f.name,
            "id_number": ids,
            "relation": relation,
            "sex": sex.fillna(sex_of_id.where(valid_id)),
            "birth_date": born.dt.date,
            **_yes_no(c),
            "migrant_place": f.migrant_place.where(f.migrant_place != "", None),
        }
    )


def _check_households(c: _Checked, typed: pd.DataFrame, *, today: datetime.date) -> None:
    """Check each household as a whole: one head, left-behind children under 16 with a parent away."""
    heads = typed.relation.eq("head").groupby(typed.household_code).transform("sum")
    code = typed.household_code != ""
    first = ~typed.household_code.duplicated()
    c.flag(code & (heads == 0) & first, "relation", ("the household has no head (户主)", "该户没有户主"))
    two = code & (heads > 1) & typed.relation.eq("head")
    c.flag(two, "relation", ("two heads (户主) in one household", "同一户有两个户主"))
    age = (pd.Timestamp(today) - pd.to_datetime(typed.birth_date)).dt.days / 365.2425
    left = typed.left_behind_child
    old = left & (age >= LEFT_BEHIND_AGE)
    c.flag(old, "left_behind_child", ("a left-behind child is under 16", "留守儿童应未满16周岁"))
    # Per household and relation: how many are listed, and how many of them are at home.
    at_home = typed.assign(home=~typed.migrant_worker).groupby(["household_code", "relation"]).home
    listed, home = at_home.size(), at_home.sum()
    both_home = pd.Series(False, index=typed.index)
    for relation, parents in PARENTS.items():
        children = left & typed.relation.eq(relation)
        keys = typed.household_code[children]
        found = pd.Series(True, index=keys.index)
        for parent in parents:
            index = pd.MultiIndex.from_arrays([keys, [parent] * len(keys)])
            one_at_home = listed.reindex(index, fill_value=0).eq(1) & home.reindex(index, fill_value=0).eq(1)
            found &= one_at_home.to_numpy()
        both_home |= found.reindex(typed.index, fill_value=False)
    reason = (
        "a left-behind child with both parents at home",
        "该儿童父母均在家（均未外出务工），不是留守儿童",
    )
    c.flag(both_home, "left_behind_child", reason)


def _check_codes(c: _Checked, *, allowed_villages: frozenset[int] | None) -> None:
    """Check the household codes: present, known, together in the file, in the user's villages."""
    f = c.f
    together = scattered(c.people)
    c.flag(
        f.household_code == "",
        "household_code",
        NO_CODE if c.people.layout == "a" else ("household code missing", "缺少户编号"),
    )
    c.flag(
        together, "household_code", ("the household is listed twice in the file", "该户在文件中出现了两次")
    )
    known = sql.households(f.household_code[f.household_code != ""])
    c.flag((f.household_code != "") & ~f.household_code.isin(known), "household_code", UNKNOWN_HOUSEHOLD)
    if allowed_villages is not None:
        outside = {code for code, h in known.items() if h["village_id"] not in allowed_villages}
        c.flag(f.household_code.isin(outside), "household_code", OUTSIDE)


def import_members(
    path: str | pathlib.Path,
    *,
    today: datetime.date,
    valid_only: bool = False,
    max_bytes: int = 200 * 1024**2,
    name: str | None = None,
    allowed_villages: frozenset[int] | None = None,
) -> ImportResult:
    """Import a member form into the caller's transaction (the caller commits); return what it did.

    ``inserted`` counts the members written, ``updated`` the households whose members they replace.

    Parameters
    ----------
    today
        The day ages are counted on and birth dates must not be after (the county's today).
    valid_only
        Write the households without problems; by default any problem means nothing is written.
    allowed_villages
        Ids of the administrative villages the importing user may edit (a cadre's); None: all.
    """
    path = pathlib.Path(path)
    result = ImportResult(file=name or path.name)
    if (read := read_into(result, path, max_bytes=max_bytes, is_header=is_header)) is None:
        return result
    header_row, table = read
    people = read_people(result.header, table, header_row)
    if people is None or people.frame.empty:
        missing = (
            ("required column missing", "缺少必需的列") if people is None else ("no members", "没有成员行")
        )
        result.problems.append(Problem(result.file, header_row, LABELS["household_code"], None, *missing))
        return result
    c = _Checked(people, result)
    c.bad |= c.f.row.isin({p.row for p in result.problems if p.row is not None})  # formula cells
    _check_codes(c, allowed_villages=allowed_villages)
    typed = _check_people(c, today=today)
    _check_households(c, typed, today=today)
    result.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    refused = typed.household_code.isin(typed.household_code[c.bad]) | c.bad
    refused_rows = sorted(set(c.f.row[refused]))
    result.rejected = len(refused_rows)
    result.rejected_rows = [(row, table[row - header_row - 1]) for row in refused_rows]
    if result.problems and not valid_only:
        return result
    good = typed[~refused]
    counts = sql.replace_members(good)
    result.inserted, result.updated, result.written = counts["members"], good.household_code.nunique(), True
    if result.inserted:
        stats.refresh()  # the derived household counts on tiles and OGC layers
    return result
