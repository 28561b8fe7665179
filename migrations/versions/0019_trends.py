"""township_trend: every household indicator at each past year's end, per township (#13)

The dashboard's trend reads it instead of aggregating the history on each view (app.queries.trends).

Revision ID: 0019_trends
Revises: 0018_demand_tally
Create Date: 2026-12-07

"""
from alembic import op
from sqlalchemy import text

from app import localtime
from app.queries.trends import FIRST_YEAR, drop_sql, rebuild_sql

revision = '0019_trends'
down_revision = '0018_demand_tally'
branch_labels = None
depends_on = None


def upgrade():
    first = op.get_bind().execute(text(FIRST_YEAR), {"zone": localtime.zone().key}).scalar()
    op.execute(rebuild_sql(first))


def downgrade():
    op.execute(drop_sql())
