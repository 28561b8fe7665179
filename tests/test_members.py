"""Household members (#13): imported in either form layout, checked, derived into the household's counts."""

import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from app.extensions import db
from app.idnumber import check_digit
from app.importers.members import import_members

TODAY = datetime.date(2026, 12, 7)
Y, N = "是", "否"


def id_number(born: str, sequence: int) -> str:
    """Return a valid ID number of the county born on `born` (YYYYMMDD); odd sequences are men."""
    first17 = f"522699{born}{sequence:03d}"
    return first17 + check_digit(first17)


def households(count: int = 2) -> list[str]:
    return db.session.scalars(text("SELECT code FROM household ORDER BY code LIMIT :n"), {"n": count}).all()


def write(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


HEADER_A = [
    "户编号",
    "姓名",
    "与户主关系",
    "性别",
    "身份证号",
    "出生日期",
    "是否残疾",
    "是否在校生",
    "是否外出务工",
    "务工地点",
    "是否留守儿童",
    "是否参保",
]


def layout_a(code_1, code_2):
    """One row per person under each household's head row (the code on the head's row only)."""
    return [
        ["某村家庭成员信息表"],
        HEADER_A,
        [code_1, "杨老大", "户主", "男", id_number("19600305", 11), "1960-03-05", N, N, N, "", N, Y],
        ["", "吴秀英", "配偶", "女", id_number("19620101", 22), "", Y, N, N, "", N, Y],
        ["", "杨明", "长子", "男", id_number("19880710", 33), "", N, N, Y, "广东东莞", N, Y],
        ["", "龙芳", "儿媳", "女", id_number("19900214", 44), "", N, N, Y, "广东东莞", N, Y],
        ["", "杨小宝", "孙子", "男", id_number("20150601", 55), "2015/6/1", N, Y, N, "", Y, Y],
        [code_2, "王独居", "户主", "女", id_number("19450909", 66), "", N, N, N, "", N, N],
    ]


@pytest.mark.usefixtures("app_context")
def test_a_form_with_a_row_per_person_replaces_members_and_the_household_counts_follow(tmp_path):
    code_1, code_2 = households()
    result = import_members(write(tmp_path / "成员.xlsx", layout_a(code_1, code_2)), today=TODAY)
    assert result.problems == [] and result.written
    assert (result.inserted, result.updated) == (6, 2)
    row = db.session.execute(
        text(
            "SELECT members, left_behind_children, disabled_members, migrant_workers FROM household "
            "WHERE code = :c"
        ),
        {"c": code_1},
    ).one()
    assert tuple(row) == (5, 1, 1, 2)
    people = db.session.execute(
        text(
            "SELECT m.name, m.relation, m.migrant_place, m.birth_date FROM member m JOIN household h "
            "ON h.id = m.household_id WHERE h.code = :c ORDER BY m.name"
        ),
        {"c": code_1},
    ).all()
    assert ("杨明", "son", "广东东莞", datetime.date(1988, 7, 10)) in people
    assert len(people) == 5
