"""natural_village_stats becomes a table refreshed per natural village, with a version row (#11)

A web write (a visit, a measure) refreshes the natural villages it touched instead of rebuilding
the county's materialized view (see app.queries.stats).

Revision ID: 0017_stats_table
Revises: 0016_cadre_duty
Create Date: 2026-12-07

"""
from alembic import op

from app.queries.stats import build_sql, household_indicators

revision = '0017_stats_table'
down_revision = '0016_cadre_duty'
branch_labels = None
depends_on = None

DROP_VIEW = """
DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_class WHERE relname = 'natural_village_stats' AND relkind = 'm') THEN
        DROP MATERIALIZED VIEW natural_village_stats;
    END IF;
END $$;"""


def upgrade():
    op.execute(DROP_VIEW + build_sql())


def downgrade():
    # Earlier revisions build the table with the same code; only the work indicators' columns go.
    op.execute(build_sql())
