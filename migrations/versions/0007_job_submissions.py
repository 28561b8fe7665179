"""job: one job per submitted form (user, submission key) and a count of attempts

Revision ID: 0007_job_submissions
Revises: 0004_jobs
Create Date: 2026-12-03

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_job_submissions"
down_revision = "0004_jobs"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("job", sa.Column("submission", sa.String(64)))
    op.create_index(
        "uq_job_user_id_submission", "job", ["user_id", "submission"], unique=True,
        postgresql_where=sa.text("submission IS NOT NULL"),
    )
    op.add_column("job", sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
    op.alter_column("job", "attempts", server_default=None)


def downgrade():
    op.drop_column("job", "attempts")
    op.drop_index("uq_job_user_id_submission", "job")
    op.drop_column("job", "submission")
