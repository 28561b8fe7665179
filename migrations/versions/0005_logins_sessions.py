"""logins and sessions: a session version per user, revocable tokens, a back-off table for failed logins (#10)

Revision ID: 0005_logins_sessions
Revises: 0006_privacy_audit
Create Date: 2026-11-25

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_logins_sessions"
down_revision = "0006_privacy_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("app_user", sa.Column("session_version", sa.Integer, nullable=False, server_default="1"))
    op.add_column("api_token", sa.Column("revoked_at", sa.DateTime(timezone=True)))
    op.create_table(
        "login_throttle",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttle")),
        sa.CheckConstraint("scope IN ('account', 'address')", name=op.f("ck_login_throttle_scope")),
    )


def downgrade():
    op.drop_table("login_throttle")
    op.drop_column("api_token", "revoked_at")
    op.drop_column("app_user", "session_version")
