"""Loading a whole county (the demo generator's, or a benchmark's): every unit, natural village and household.

Runs in the caller's transaction: nothing is visible, or lost, until it commits. Rows are
staged by COPY into temporary tables and inserted level by level, parents first, so each
row finds its parent's id by code.
"""

from sqlalchemy import text

from ..extensions import db
from ..models import SRID
from . import DEMAND_TABLES, HOUSEHOLD_COLUMNS, WORK_TABLES, _copy, _ewkb

_PERSONAL = ("code", "head_name", "id_number", "address")
# Columns a county may carry (the generated history's poverty years, #13); empty when it does not.
_OPTIONAL = ("poverty_registered_year", "poverty_lifted_year")


def load_county(county) -> dict[str, int]:
    """Replace all administrative units, natural villages and households with `county`'s.

    Cadres keep their villages where the new county has the same codes.

    Parameters
    ----------
    county
        A `geodata.generator.County` (GeoDataFrames in EPSG:4490).
    """
    for name in ("admin_units", "natural_villages", "households"):
        crs = getattr(county, name).crs
        if crs is None or crs.to_epsg() != SRID:
            raise ValueError(f"{name} must be in EPSG:{SRID}, got {crs}; reproject with .to_crs({SRID})")
    _empty_keeping_scopes()
    _stage_tables()
    cursor = db.session.connection().connection.cursor()
    _insert_units(cursor, county.admin_units)
    _insert_natural_villages(cursor, county.natural_villages)
    _insert_households(cursor, county.households)
    db.session.execute(
        text("""
        INSERT INTO user_village (user_id, village_id)
        SELECT k.user_id, a.id FROM kept_scope k JOIN admin_unit a ON a.code = k.code""")
    )
    from . import stats  # a sibling module that imports this package: imported late

    stats.refresh()
    counts = db.session.execute(
        text("""
        SELECT (SELECT count(*) FROM admin_unit) AS admin_units,
               (SELECT count(*) FROM natural_village) AS natural_villages,
               (SELECT count(*) FROM household) AS households""")
    )
    return dict(counts.mappings().one())


def _empty_keeping_scopes() -> None:
    """Empty the county's tables, remembering each cadre's villages by code."""
    db.session.execute(
        text("""
        CREATE TEMP TABLE kept_scope ON COMMIT DROP AS
        SELECT uv.user_id, a.code FROM user_village uv JOIN admin_unit a ON a.id = uv.village_id""")
    )
    db.session.execute(
        text(
            "TRUNCATE member, household, natural_village, user_village, admin_unit, "
            # The work is about these households (#11): it goes with them; `load_work` brings new.
            f"{', '.join(WORK_TABLES + DEMAND_TABLES)} RESTART IDENTITY"
        )
    )


def _household_columns() -> list[str]:
    return [*_PERSONAL, *HOUSEHOLD_COLUMNS, *_OPTIONAL]


def _stage_tables() -> None:
    db.session.execute(
        text("""
        CREATE TEMP TABLE stage_unit (code text, name text, level text, parent_code text, geom geometry)
            ON COMMIT DROP;
        CREATE TEMP TABLE stage_natural_village (code text, name text, village_code text, geom geometry)
            ON COMMIT DROP;
        """)
    )
    # Same column types as household, none of its constraints or defaults.
    db.session.execute(
        text(f"""
        CREATE TEMP TABLE stage_household ON COMMIT DROP AS
        SELECT {", ".join(_household_columns())}, geom, ''::text AS natural_village_code
        FROM household WITH NO DATA""")
    )


def _insert_units(cursor, units) -> None:
    units = units.assign(geom=_ewkb(units.geometry.values))
    _copy(cursor, "stage_unit", units[["code", "name", "level", "parent_code", "geom"]])
    for level in ("county", "township", "village"):
        db.session.execute(
            text("""
                INSERT INTO admin_unit (code, name, level, parent_id, geom)
                SELECT s.code, s.name, s.level, p.id, ST_Multi(s.geom)
                FROM stage_unit s LEFT JOIN admin_unit p ON p.code = s.parent_code
                WHERE s.level = :level ORDER BY s.code"""),
            {"level": level},
        )


def _insert_natural_villages(cursor, natural_villages) -> None:
    villages = natural_villages.assign(geom=_ewkb(natural_villages.geometry.values))
    _copy(cursor, "stage_natural_village", villages[["code", "name", "village_code", "geom"]])
    db.session.execute(
        text("""
        INSERT INTO natural_village (code, name, village_id, geom)
        SELECT s.code, s.name, v.id, ST_Multi(s.geom)
        FROM stage_natural_village s JOIN admin_unit v ON v.code = s.village_code AND v.level = 'village'
        ORDER BY s.code""")
    )


def _insert_households(cursor, households) -> None:
    columns = _household_columns()
    households = households.assign(geom=_ewkb(households.geometry.values))
    _copy(cursor, "stage_household", households.reindex(columns=[*columns, "natural_village_code", "geom"]))
    db.session.execute(
        text(f"""
        INSERT INTO household ({", ".join(columns)}, geom, natural_village_id)
        SELECT {", ".join("s." + c for c in columns)}, s.geom, nv.id
        FROM stage_household s JOIN natural_village nv ON nv.code = s.natural_village_code
        ORDER BY s.code""")
    )
