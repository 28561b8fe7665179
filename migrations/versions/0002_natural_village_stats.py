"""natural_village_stats: per-natural-village indicator counts for vector tiles

The table is rebuilt from the indicator registry by app.queries.stats.refresh()
after every bulk write; this migration builds its first version so that a fresh
database serves tiles before any data is loaded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

"""

from alembic import op

from app.queries.stats import build_sql, drop_sql, household_indicators

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # The work indicators' tables come with 0008_work, which rebuilds the view with them.
    op.execute(build_sql(only=household_indicators()))


def downgrade():
    op.execute(drop_sql())
