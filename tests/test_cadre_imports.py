"""The cadre register from XLSX (#11): new cadres added, known ones updated by phone, patches replaced."""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.importers.cadres import import_register
from tests.conftest import cadre_village
from tests.test_imports import write_xlsx

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def register(work, county, tmp_path):
    village = cadre_village(county)
    known = work.cadres[work.cadres.village_code == village].sort_values("phone").iloc[0]
    natural = sorted(county.natural_villages.code[county.natural_villages.village_code == village])
    household = sorted(county.households.code[county.households.natural_village_code == natural[0]])[0]

    def row(name, phone, role="驻村干部", village_code=village, villages="", households=""):
        return {
            "姓名": name,
            "单位": "县民政局",
            "手机号": phone,
            "身份": role,
            "所在村编码": village_code,
            "包片自然寨": villages,
            "包片农户": households,
        }

    rows = [
        row("新干部", "13811112222", villages="、".join(natural[:2]), households=household),
        row(known["name"] + "改", known.phone, role="村两委", villages=natural[-1]),
        row("错号码", "1381111"),
        row("错身份", "13811113333", role="村长"),
        row("错村", "13811114444", village_code="522699999999"),
        row("错寨", "13811115555", villages="52269999999999"),
        row("重复", "13811112222"),
    ]
    return write_xlsx(tmp_path / "干部名册.xlsx", rows), known, natural, household


def patch_of(phone: str) -> set[str]:
    return set(
        db.session.execute(
            text("""SELECT coalesce(nv.code, h.code) FROM cadre_patch p JOIN cadre c ON c.id = p.cadre_id
                    LEFT JOIN natural_village nv ON nv.id = p.natural_village_id
                    LEFT JOIN household h ON h.id = p.household_id WHERE c.phone = :phone"""),
            {"phone": phone},
        ).scalars()
    )


def test_a_register_with_mistakes_names_each_and_writes_nothing(register):
    path, *_ = register
    result = import_register(path)
    assert not result.written and result.rejected == 5
    assert {(p.row, p.column, p.reason_zh) for p in result.problems} == {
        (4, "手机号", "应为11位手机号"),
        (5, "身份", "应为村两委、驻村干部或部门帮扶干部"),
        (6, "所在村编码", "没有该行政村编码"),
        (7, "包片自然寨", "包片中有不存在的自然寨编码"),
        (8, "手机号", "手机号重复"),
    }
    assert patch_of("13811112222") == set()


def test_valid_rows_add_new_cadres_update_known_ones_and_replace_their_patches(register):
    path, known, natural, household = register
    result = import_register(path, valid_only=True)
    assert result.written and (result.inserted, result.updated) == (1, 1)
    assert patch_of("13811112222") == {*natural[:2], household}
    assert patch_of(known.phone) == {natural[-1]}
    name, role = db.session.execute(
        text("SELECT name, role FROM cadre WHERE phone = :p"), {"p": known.phone}
    ).one()
    assert name == known["name"] + "改" and role == "committee"
