"""job: one durable queue for every long task (atlases, exports, imports), generalised from print_job

Revision ID: 0004_jobs
Revises: 0003_print_jobs
Create Date: 2026-11-24

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_jobs"
down_revision = "0003_print_jobs"
branch_labels = None
depends_on = None


def upgrade():
    op.rename_table("print_job", "job")
    op.execute("ALTER SEQUENCE print_job_id_seq RENAME TO job_id_seq")
    op.execute("ALTER TABLE job RENAME CONSTRAINT pk_print_job TO pk_job")
    op.execute("ALTER TABLE job RENAME CONSTRAINT fk_print_job_user_id_app_user TO fk_job_user_id_app_user")
    op.execute("ALTER TABLE job RENAME CONSTRAINT ck_print_job_ck_print_job_status TO ck_job_status")
    op.execute("ALTER INDEX ix_print_job_user_id RENAME TO ix_job_user_id")
    op.execute("ALTER INDEX ix_print_job_queued RENAME TO ix_job_queued")
    # Rows already queued are atlases; new rows always state their kind.
    op.add_column("job", sa.Column("kind", sa.String(16), nullable=False, server_default="atlas"))
    op.alter_column("job", "kind", server_default=None)
    op.create_check_constraint("kind", "job", "kind IN ('atlas', 'export', 'import')")
    # An import's target is the uploaded file's name, longer than an atlas's code.
    op.alter_column("job", "target", type_=sa.Text)
    op.alter_column("job", "pdf", new_column_name="result")
    op.add_column("job", sa.Column("result_type", sa.Text, nullable=False, server_default=""))
    op.add_column("job", sa.Column("result_name", sa.Text, nullable=False, server_default=""))
    op.add_column("job", sa.Column("summary", JSONB, nullable=False, server_default="{}"))
    op.execute(
        "UPDATE job SET result_type = 'application/pdf', result_name = 'atlas-' || target || '.pdf'"
        " WHERE result IS NOT NULL"
    )


def downgrade():
    op.drop_column("job", "summary")
    op.drop_column("job", "result_name")
    op.drop_column("job", "result_type")
    op.alter_column("job", "result", new_column_name="pdf")
    op.execute("DELETE FROM job WHERE kind <> 'atlas'")
    op.alter_column("job", "target", type_=sa.String(14))
    op.execute("ALTER TABLE job DROP CONSTRAINT ck_job_kind")
    op.drop_column("job", "kind")
    op.execute("ALTER INDEX ix_job_queued RENAME TO ix_print_job_queued")
    op.execute("ALTER INDEX ix_job_user_id RENAME TO ix_print_job_user_id")
    op.execute("ALTER TABLE job RENAME CONSTRAINT ck_job_status TO ck_print_job_ck_print_job_status")
    op.execute("ALTER TABLE job RENAME CONSTRAINT fk_job_user_id_app_user TO fk_print_job_user_id_app_user")
    op.execute("ALTER TABLE job RENAME CONSTRAINT pk_job TO pk_print_job")
    op.execute("ALTER SEQUENCE job_id_seq RENAME TO print_job_id_seq")
    op.rename_table("job", "print_job")
