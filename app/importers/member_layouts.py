"""The two layouts of household member forms, read into one row per person (#13).

(a) One row per person under a household header row: the head's row (户主) carries the
    household code (户编号), the following rows, code empty (or repeated), are its members.
(b) One row per household, members in numbered columns: 户编号, 成员1姓名, 成员1与户主关系,
    成员1身份证号, … 成员2姓名, …; the head may have its own columns (户主姓名, 户主身份证号, …).

Either way each person becomes one row of a frame: the spreadsheet row it was read from
(``row``), the household code, its fields as text, and ``slot`` (the column prefix of
layout (b): 户主, 成员2; empty in layout (a)), so a problem names the very column a value
was typed in (`column`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .household_columns import normalise

CODE_HEADERS = ("户编号", "户号", "户码", "household_code")
# A person's headers, as normalised by `household_columns.normalise`, and the field each fills.
PERSON_HEADERS = {
    "姓名": "name",
    "成员姓名": "name",
    "与户主关系": "relation",
    "与户主的关系": "relation",
    "关系": "relation",
    "性别": "sex",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "证件号码": "id_number",
    "出生日期": "birth_date",
    "是否残疾": "disabled",
    "是否残疾人": "disabled",
    "残疾": "disabled",
    "是否在校生": "student",
    "是否在校": "student",
    "在校生": "student",
    "是否外出务工": "migrant_worker",
    "是否务工": "migrant_worker",
    "外出务工": "migrant_worker",
    "务工地点": "migrant_place",
    "务工地": "migrant_place",
    "是否留守儿童": "left_behind_child",
    "留守儿童": "left_behind_child",
    "是否参保": "insured",
    "参保": "insured",
    "是否参加医保": "insured",
    "参加医保": "insured",
}
PERSON_FIELDS = tuple(dict.fromkeys(PERSON_HEADERS.values()))
# How a missing column is named: its usual header.
LABELS = {"household_code": "户编号", **{f: h for h, f in reversed(PERSON_HEADERS.items())}}
_NUMBERED = re.compile(r"(成员\d+|户主)(.+)")


def person_field(header: str) -> tuple[str, str] | None:
    """Return (slot, field) of a person's column header: ('', 'name') for 姓名, ('成员2', 'name') for
    成员2姓名, ('户主', 'id_number') for 户主身份证号; None for other headers."""
    key = normalise(header)
    if key in PERSON_HEADERS:
        return "", PERSON_HEADERS[key]
    if (match := _NUMBERED.fullmatch(key)) and match.group(2) in PERSON_HEADERS:
        return match.group(1), PERSON_HEADERS[match.group(2)]
    return None


def is_header(header: str) -> bool:
    """Say whether `header` is one a member form has (for finding the header row)."""
    return normalise(header) in CODE_HEADERS or person_field(header) is not None


class People:
    """The persons a member form lists, one per frame row, and the header each value was read from."""

    def __init__(self, frame: pd.DataFrame, columns: dict[tuple[str, str], str], layout: str):
        self.frame, self.columns, self.layout = frame, columns, layout

    def column(self, slot: str, field: str) -> str:
        """Return the header a value of `field` in `slot` was read from (or its usual header)."""
        return self.columns.get((slot, field), slot + LABELS.get(field, field))


def read_people(header: list[str], table: list[list[str]], header_row: int) -> People | None:
    """Return the persons of a member form, in layout (a) or (b); None without a household code column."""
    code_index = next((i for i, h in enumerate(header) if normalise(h) in CODE_HEADERS), None)
    if code_index is None:
        return None
    raw = pd.DataFrame(table, columns=range(len(header)), dtype=str).fillna("")  # cells come stripped
    rows = np.arange(header_row + 1, header_row + 1 + len(raw))
    slots: dict[str, dict[str, int]] = {}
    columns: dict[tuple[str, str], str] = {("", "household_code"): header[code_index]}
    for i, h in enumerate(header):
        if (found := person_field(h)) is not None and found[1] not in slots.get(found[0], {}):
            slots.setdefault(found[0], {})[found[1]] = i
            columns[found] = h
    layout = "b" if any(slot for slot in slots) else "a"
    codes = raw[code_index]
    if layout == "a":  # the head's row carries the code; the rows below it are its members
        codes = codes.replace("", np.nan).ffill().fillna("")
    parts = []
    for slot, indexes in slots.items():
        part = pd.DataFrame({"row": rows, "household_code": codes.to_numpy(), "slot": slot})
        for field in PERSON_FIELDS:
            part[field] = raw[indexes[field]].to_numpy() if field in indexes else ""
        filled = part[[f for f in PERSON_FIELDS if f in indexes]].ne("").any(axis=1)
        if slot == "户主":  # the head's own columns: the relation goes without saying
            part["relation"] = part.relation.replace("", "户主")
        parts.append(part[filled.to_numpy()])
    if not parts:
        frame = pd.DataFrame(columns=["row", "household_code", "slot", *PERSON_FIELDS])
    else:
        frame = pd.concat(parts, ignore_index=True).sort_values(["row", "slot"], kind="stable")
    for slot in slots:
        columns[(slot, "household_code")] = header[code_index]
    return People(frame.reset_index(drop=True), columns, layout)


def scattered(people: People) -> pd.Series:
    """Return, per person, whether its household's rows are not all together.

    In layout (a) a household is one run of rows (the code filled down from the head's row); a
    code found again further down is a second household with the same code. In layout (b) a
    household is one row.
    """
    f = people.frame
    run = (f.household_code != f.household_code.shift()).cumsum() if people.layout == "a" else f.row
    runs = pd.DataFrame({"code": f.household_code, "run": run}).drop_duplicates()
    twice = runs.code[runs.code.duplicated()].unique()
    return f.household_code.isin(twice) & (f.household_code != "")
