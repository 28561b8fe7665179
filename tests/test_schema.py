"""The database refuses bad rows, and places a household in its natural village."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db

pytestmark = pytest.mark.usefixtures("app_context")


def insert_household(
    code="52269910020101999",
    *,
    id_number="522699198001010011",
    lon=None,
    lat=None,
    natural_village_id="NULL",
    members=3,
    srid=4490,
):
    """Insert one household at (lon, lat), by default the first natural village's inner point."""
    if lon is None:
        lon, lat = db.session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM natural_village "
                "ORDER BY code LIMIT 1) q"
            )
        ).one()
    db.session.execute(
        text(f"""
        INSERT INTO household (code, head_name, id_number, geom, natural_village_id, members)
        VALUES (:code, '测试', :id_number, ST_SetSRID(ST_MakePoint(:lon, :lat), {srid}),
                {natural_village_id}, :members)"""),
        {"code": code, "id_number": id_number, "lon": lon, "lat": lat, "members": members},
    )
    return db.session.execute(
        text(
            "SELECT nv.code FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id "
            "WHERE h.code = :code"
        ),
        {"code": code},
    ).scalar_one()


def test_a_household_without_a_natural_village_is_placed_in_the_one_covering_it(app):
    first = db.session.execute(text("SELECT code FROM natural_village ORDER BY code LIMIT 1")).scalar_one()
    assert insert_household() == first


def test_a_household_outside_every_natural_village_is_refused_with_its_code(app):
    with pytest.raises(IntegrityError, match=r"household 52269910020101999 at \(100\.5, 20\.5\) lies in no"):
        insert_household(lon=100.5, lat=20.5)


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"id_number": "52269919800101001"}, "id_number_format"),  # 17 characters
        ({"id_number": "52269919800101001Y"}, "id_number_format"),
        ({"members": 0}, "members_positive"),
        ({"code": "dup"}, "uq_household_code"),
    ],
)
def test_bad_households_are_refused_by_name(app, change, constraint):
    if change.get("code") == "dup":
        insert_household("dup")
    with pytest.raises(IntegrityError, match=constraint):
        insert_household(**{"code": "x1", **change})


def test_geometries_in_another_crs_are_refused(app):
    with pytest.raises(DBAPIError, match="SRID"):
        insert_household(srid=4326)


def test_a_natural_village_needs_an_existing_village(app):
    with pytest.raises(IntegrityError, match="fk_natural_village_village_id_admin_unit"):
        db.session.execute(
            text("""
            INSERT INTO natural_village (code, name, village_id, geom)
            VALUES ('52269999999901', '无主寨', 999999,
                    ST_Multi(ST_GeomFromText('POLYGON((107 26,107.01 26,107.01 26.01,107 26))', 4490)))""")
        )


def test_every_geometry_column_has_a_spatial_index(app):
    indexed = (
        db.session.execute(
            text("""
        SELECT t.relname FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ix ON ix.oid = i.indexrelid
        JOIN pg_am am ON am.oid = ix.relam
        WHERE am.amname = 'gist'""")
        )
        .scalars()
        .all()
    )
    assert {"admin_unit", "natural_village", "household"} <= set(indexed)


def test_the_migrations_build_exactly_the_models(app):
    """Autogenerate finds nothing to change: every model change came with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from geoalchemy2 import alembic_helpers

    # Alembic cannot compare an index on an expression (it reports it removed and added again).
    expression_indexes = {"uq_audit_event_tile_read_hour"}

    # The statistics' tables follow the indicator registry (app.queries.stats, .trends), not a model.
    from app.queries import stats, trends

    def include(thing, name, kind, reflected, compare_to):
        if kind == "index" and name in expression_indexes:
            return False
        if kind == "table" and name in (stats.TABLE, stats.STATE, trends.TABLE, trends.STATE):
            return False
        return alembic_helpers.include_object(thing, name, kind, reflected, compare_to)

    context = MigrationContext.configure(
        db.session.connection(), opts={"include_object": include, "compare_type": True}
    )
    assert compare_metadata(context, db.metadata) == []
