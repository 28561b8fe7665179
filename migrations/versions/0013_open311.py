"""open311: the county department role, a user's department, and demands from the 12345 hotline (#12)

Revision ID: 0013_open311
Revises: 0017_stats_table
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0013_open311'
down_revision = '0017_stats_table'
branch_labels = None
depends_on = None

OLD_CHANNELS = "channel IN ('reception', 'visit', 'phone', 'letter')"
NEW_CHANNELS = "channel IN ('reception', 'visit', 'phone', 'letter', 'hotline')"


def upgrade():
    op.execute("INSERT INTO role (name, label_zh, label_en) VALUES ('department', '县直部门', 'County department')")
    op.add_column('app_user', sa.Column('department', sa.String(length=100), nullable=True))
    op.create_check_constraint(
        op.f('ck_app_user_department_role'), 'app_user', "department IS NULL OR role_name = 'department'"
    )
    op.drop_constraint(op.f('ck_demand_channel'), 'demand', type_='check')
    op.create_check_constraint(op.f('ck_demand_channel'), 'demand', NEW_CHANNELS)
    # A department reads the demands assigned to it: by assignee, newest first.
    op.create_index('ix_demand_assignee_id', 'demand', ['assignee', 'id'],
                    postgresql_where=sa.text("assignee_kind = 'department'"))


def downgrade():
    op.drop_index('ix_demand_assignee_id', table_name='demand')
    op.execute("UPDATE demand SET channel = 'phone' WHERE channel = 'hotline'")
    op.drop_constraint(op.f('ck_demand_channel'), 'demand', type_='check')
    op.create_check_constraint(op.f('ck_demand_channel'), 'demand', OLD_CHANNELS)
    op.drop_constraint(op.f('ck_app_user_department_role'), 'app_user', type_='check')
    op.drop_column('app_user', 'department')
    op.execute("DELETE FROM role WHERE name = 'department'")
