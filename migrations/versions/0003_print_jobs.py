"""print_job: township atlases printed in the background, with progress, surviving restarts

Revision ID: 0003_print_jobs
Revises: 0002
Create Date: 2026-11-24

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_print_jobs"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target", sa.String(14), nullable=False),
        sa.Column("options", JSONB, nullable=False, server_default="{}"),
        sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("pdf", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="ck_print_job_status"),
    )
    op.create_index("ix_print_job_user_id", "print_job", ["user_id"])
    op.create_index("ix_print_job_queued", "print_job", ["id"], postgresql_where=sa.text("status = 'queued'"))


def downgrade():
    op.drop_table("print_job")
