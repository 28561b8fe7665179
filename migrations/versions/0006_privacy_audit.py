"""privacy: candidate counts for small-count suppression; tile reads audited once per user, village and hour

natural_village_stats is rebuilt from the registry so it carries, per sensitive indicator, the
households not ruled out by a visible flag (``<key>__candidates``, issue #10). A unique index lets
every process write a household-tile read as one audit row per user, village and hour.

Revision ID: 0006_privacy_audit
Revises: 0007_job_submissions
Create Date: 2026-11-25

"""

from alembic import op

from app.queries.stats import build_sql, drop_sql, household_indicators

revision = "0006_privacy_audit"
down_revision = "0007_job_submissions"
branch_labels = None
depends_on = None


def upgrade():
    # The work indicators' tables come with 0008_work, which rebuilds the view with them.
    op.execute(build_sql(only=household_indicators()))
    op.execute(
        "CREATE UNIQUE INDEX uq_audit_event_tile_read_hour ON audit_event "
        "(user_id, target, (date_trunc('hour', at AT TIME ZONE 'UTC'))) WHERE action = 'view_tiles'"
    )


def downgrade():
    op.execute("DROP INDEX IF EXISTS uq_audit_event_tile_read_hour")
    # The view keeps its candidate columns: it is rebuilt from the registry of the code that runs.
