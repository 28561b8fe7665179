"""Household members (#13): imported in either form layout, checked, derived into the household's counts."""

import datetime

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import text

from app.extensions import db
from app.idnumber import check_digit
from app.importers.members import import_members
from tests.conftest import csrf_token

TODAY = datetime.date(2026, 12, 7)
Y, N = "是", "否"


def id_number(born: str, sequence: int) -> str:
    """Return a valid ID number of the county born on `born` (YYYYMMDD); odd sequences are men."""
    first17 = f"522699{born}{sequence:03d}"
    return first17 + check_digit(first17)


def wrong_check(number: str) -> str:
    """Return `number` with another check character."""
    return number[:-1] + ("1" if number[-1] == "0" else "0")


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


def _people(codes) -> dict[str, tuple[int, int]]:
    """Return each member's name → (row id, how many versions of them history holds)."""
    rows = db.session.execute(
        text("""
        SELECT m.name, m.id, (SELECT count(*) FROM member_history v WHERE v.id = m.id) AS versions
        FROM member m JOIN household h ON h.id = m.household_id WHERE h.code = ANY(:codes)"""),
        {"codes": list(codes)},
    )
    return {name: (member, versions) for name, member, versions in rows}


@pytest.mark.usefixtures("app_context")
def test_a_form_imported_again_keeps_each_person_and_versions_only_what_changed(tmp_path):
    codes = households()
    rows = layout_a(*codes)
    import_members(write(tmp_path / "a.xlsx", rows), today=TODAY)
    first = _people(codes)
    import_members(write(tmp_path / "again.xlsx", rows), today=TODAY)
    assert _people(codes) == first  # the same people, and no version for an unchanged row
    rows[4][9] = "浙江宁波"  # 杨明 now works elsewhere
    del rows[5]  # 龙芳 left the household
    rows.insert(6, ["", "杨小妹", "孙女", "女", id_number("20180301", 78), "", N, N, N, "", N, Y])
    import_members(write(tmp_path / "corrected.xlsx", rows), today=TODAY)
    now = _people(codes)
    assert now["杨明"] == (first["杨明"][0], first["杨明"][1] + 1)  # changed in place: one more version
    assert "龙芳" not in now and "杨小妹" in now and now["杨小妹"][0] not in {m for m, _ in first.values()}
    for name in ("杨老大", "吴秀英", "杨小宝", "王独居"):
        assert now[name] == first[name], name
    place = db.session.scalar(text("SELECT migrant_place FROM member WHERE id = :m"), {"m": first["杨明"][0]})
    assert place == "浙江宁波"


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


# --- imports: layout (b), problems, the web page, the command line ---------------------------


def layout_b(code_1, code_2):
    """One row per household, its members in numbered columns (the head in 户主 columns)."""
    header = ["户编号", "户主姓名", "户主身份证号"]
    for n in (1, 2):
        header += [f"成员{n}姓名", f"成员{n}与户主关系", f"成员{n}身份证号", f"成员{n}是否外出务工"]
    return [
        header,
        [
            code_1,
            "罗大山",
            id_number("19700101", 11),
            "潘桂英",
            "妻子",
            id_number("19720202", 22),
            N,
            "罗小军",
            "儿子",
            id_number("19950303", 33),
            Y,
        ],
        [code_2, "石老三", id_number("19500505", 55), "", "", "", "", "", "", "", ""],
    ]


@pytest.mark.usefixtures("app_context")
def test_a_form_with_a_row_per_household_and_numbered_columns_imports(tmp_path):
    code_1, code_2 = households()
    result = import_members(write(tmp_path / "成员.xlsx", layout_b(code_1, code_2)), today=TODAY)
    assert result.problems == [] and (result.inserted, result.updated) == (4, 2)
    assert counts_of(code_1) == {
        "members": 3,
        "left_behind_children": 0,
        "disabled_members": 0,
        "migrant_workers": 1,
    }
    assert counts_of(code_2)["members"] == 1


def counts_of(code) -> dict:
    return dict(
        db.session.execute(
            text(
                "SELECT members, left_behind_children, disabled_members, migrant_workers FROM household "
                "WHERE code = :c"
            ),
            {"c": code},
        )
        .mappings()
        .one()
    )


@pytest.mark.usefixtures("app_context")
def test_re_importing_replaces_a_households_members_and_a_household_file_cannot_contradict_them(tmp_path):
    code_1, code_2 = households()
    import_members(write(tmp_path / "a.xlsx", layout_a(code_1, code_2)), today=TODAY)
    rows = layout_a(code_1, code_2)
    del rows[3:7]  # the head of household 1 alone, then household 2
    assert import_members(write(tmp_path / "b.xlsx", rows), today=TODAY).inserted == 2
    assert counts_of(code_1) == {
        "members": 1,
        "left_behind_children": 0,
        "disabled_members": 0,
        "migrant_workers": 0,
    }
    # The household's counts are the members', whoever writes them.
    db.session.execute(
        text("UPDATE household SET members = 7, migrant_workers = 3 WHERE code = :c"), {"c": code_1}
    )
    assert counts_of(code_1)["members"] == 1 and counts_of(code_1)["migrant_workers"] == 0


def bad_form(code_1, code_2, code_3):
    rows = layout_a(code_1, code_2)
    rows[3][5] = "1962-01-02"  # row 4, 吴秀英: not the ID number's 1962-01-01
    rows[4][4] = wrong_check(rows[4][4])  # row 5, 杨明's ID number
    rows[4][8] = rows[5][8] = N  # 杨明 and 龙芳 at home: their son (row 7) is no left-behind child
    rows.append(["", "杨二", "户主", "男", id_number("19700101", 71), "", N, N, N, "", N, Y])  # row 9
    rows.append(["", "某人", "表哥", "男", id_number("19900101", 77), "", N, N, N, "", N, Y])  # row 10
    rows.append(
        ["52269999999999999", "无此户", "户主", "男", id_number("19800101", 99), "", N, N, N, "", N, Y]
    )
    rows.append([code_3, "好户主", "户主", "女", id_number("19810101", 82), "", N, N, N, "", N, Y])  # row 12
    return rows


@pytest.mark.usefixtures("app_context")
def test_a_bad_form_is_refused_whole_each_problem_by_row_and_column(tmp_path):
    codes = households(3)
    before = db.session.execute(text("SELECT count(*) FROM member")).scalar_one()
    result = import_members(write(tmp_path / "坏表.xlsx", bad_form(*codes)), today=TODAY)
    assert not result.written
    found = {(p.row, p.column): p.text("zh") for p in result.problems}
    assert "出生日期与身份证号中的出生日期（1962-01-01）不一致" in found[(4, "出生日期")]
    assert "校验" in found[(5, "身份证号")]
    assert "父母均在家" in found[(7, "是否留守儿童")]
    assert found[(8, "与户主关系")] == found[(9, "与户主关系")] == "同一户有两个户主"
    assert "与户主关系应为" in found[(10, "与户主关系")]
    assert found[(11, "户编号")].startswith("户编号不存在")
    assert db.session.execute(text("SELECT count(*) FROM member")).scalar_one() == before
    # Valid households only: the last one is written; the others are skipped whole.
    partly = import_members(write(tmp_path / "坏表.xlsx", bad_form(*codes)), today=TODAY, valid_only=True)
    assert partly.written and (partly.inserted, partly.updated) == (1, 1)
    assert partly.rejected == 9 and counts_of(codes[2])["members"] == 1


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.mark.usefixtures("uploads")
@pytest.mark.parametrize("layout", [layout_a, layout_b])
def test_an_admin_imports_a_member_form_on_the_web_page(app, client, login, tmp_path, layout):
    from tests.test_jobs import run_worker

    with app.app_context():
        code_1, code_2 = households()
    path = write(tmp_path / "家庭成员.xlsx", layout(code_1, code_2))
    login("admin")
    form = client.get("/work/import").get_data(as_text=True)
    assert "家庭成员表" in form
    with open(path, "rb") as f:
        data = {"csrf_token": csrf_token(form), "kind": "members", "file": (f, path.name)}
        sent = client.post("/work/import", data=data, content_type="multipart/form-data")
    assert sent.status_code == 303
    run_worker(app)
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "家庭成员.xlsx" in page
    with app.app_context():
        assert counts_of(code_2)["members"] == 1
        assert counts_of(code_1)["members"] == (5 if layout is layout_a else 3)


def test_the_command_line_imports_a_form_and_prints_each_problem(app, tmp_path):
    with app.app_context():
        code_1, code_2, code_3 = households(3)
        runner = app.test_cli_runner()
        bad = runner.invoke(
            args=[
                "import",
                "members",
                str(write(tmp_path / "b.xlsx", bad_form(code_1, code_2, code_3))),
                "--zh",
            ]
        )
        assert bad.exit_code == 1 and "同一户有两个户主" in bad.output and "Nothing imported" in bad.output
        good = runner.invoke(
            args=["import", "members", str(write(tmp_path / "g.xlsx", layout_a(code_1, code_2)))]
        )
        assert good.exit_code == 0, good.output
        assert "6 members of 2 households" in good.output
        assert counts_of(code_1)["members"] == 5


# --- the generator ---------------------------------------------------------------------------


def test_generated_families_agree_with_their_households_counts(county):
    from app.importers.household_checks import id_problems
    from geodata.generator import AS_OF
    from geodata.members import generate_members

    h = county.households.set_index("code")
    m = generate_members(county.households, seed=3)
    people = m.groupby("household_code")
    assert (people.size() == h.members).all()
    for flag, column in (
        ("left_behind_child", "left_behind_children"),
        ("disabled", "disabled_members"),
        ("migrant_worker", "migrant_workers"),
    ):
        assert (people[flag].sum() == h[column]).all(), column
    heads = m[m.relation == "head"].set_index("household_code")
    assert heads.index.is_unique and len(heads) == len(h)
    assert (heads.id_number == h.id_number).all() and (heads.name == h.head_name).all()
    assert m.id_number.is_unique and not any(id_problems(m.id_number, today=AS_OF))
    age = (pd.to_datetime(AS_OF) - pd.to_datetime(m.birth_date)).dt.days / 365.2425
    left = m[m.left_behind_child]
    assert (age[left.index] < 14).all()
    # A left-behind child's household has someone working away.
    assert people.migrant_worker.sum()[left.household_code].gt(0).all()
    empty_nest = m[m.household_code.isin(h.index[h.empty_nest_elderly])]
    assert (age[empty_nest.index] >= 60).all()
    assert m[m.migrant_worker].migrant_place.notna().all() and m[~m.migrant_worker].migrant_place.isna().all()


def code_on_every_row(code_1, code_2):
    rows = layout_a(code_1, code_2)
    for row in rows[3:7]:
        row[0] = code_1
    return rows


def code_on_its_own_row(code_1, code_2):
    rows = layout_a(code_1, code_2)
    for i in (7, 2):  # a header row carrying only the household code above each head's row
        rows.insert(i, [rows[i][0]] + [""] * 11)
        rows[i + 1][0] = ""
    return rows


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize("layout", [code_on_every_row, code_on_its_own_row])
def test_a_household_code_may_be_repeated_or_stand_on_its_own_row(tmp_path, layout):
    code_1, code_2 = households()
    result = import_members(write(tmp_path / "成员.xlsx", layout(code_1, code_2)), today=TODAY)
    assert result.problems == [] and (result.inserted, result.updated) == (6, 2)
    assert counts_of(code_1)["members"] == 5


def test_when_a_days_id_numbers_run_out_the_next_is_a_day_earlier():
    import random

    from geodata.members import _Numbers

    numbers = _Numbers(random.Random(1), set())
    day = datetime.date(2020, 5, 17)
    made = [numbers.number(day, "M") for _ in range(500)]
    assert len(set(made)) == 500 and all(int(n[16]) % 2 for n in made)
    assert {n[6:14] for n in made[:499]} == {"20200517"} and made[499][6:14] == "20200516"


@pytest.mark.usefixtures("uploads")
def test_a_form_uploaded_again_on_the_web_leaves_the_cards_versions_as_they_were(
    app, client, login, tmp_path
):
    """The path a cadre's office takes: the form uploaded twice, then corrected, the card read in Chinese."""
    from tests.test_as_of import versions_list
    from tests.test_jobs import run_worker

    def uploaded(rows, name: str) -> None:
        path = write(tmp_path / name, rows)
        form = client.get("/work/import").get_data(as_text=True)
        with open(path, "rb") as f:
            data = {"csrf_token": csrf_token(form), "kind": "members", "file": (f, path.name)}
            sent = client.post("/work/import", data=data, content_type="multipart/form-data")
        assert sent.status_code == 303
        run_worker(app)

    with app.app_context():
        code_1, code_2 = households()
    rows = layout_a(code_1, code_2)
    login("admin")
    uploaded(rows, "成员.xlsx")
    first = versions_list(client, code_1)
    uploaded(rows, "成员（再次）.xlsx")
    again = versions_list(client, code_1)  # the generated family the first form replaced stays removed once
    assert (again.count("新增"), again.count("删除")) == (first.count("新增"), first.count("删除"))
    rows[4][9] = "浙江宁波"  # 杨明 now works elsewhere
    uploaded(rows, "成员（更正）.xlsx")
    corrected = versions_list(client, code_1)
    assert "广东东莞 → 浙江宁波" in corrected
    assert (corrected.count("新增"), corrected.count("删除")) == (first.count("新增"), first.count("删除"))
