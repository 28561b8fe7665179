"""cadre duty: a cadre's post in the village (职务: 书记, 主任, 第一书记 …), which decides who edits the register (#11)

Revision ID: 0016_cadre_duty
Revises: 0009_demands
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa

revision = '0016_cadre_duty'
down_revision = '0009_demands'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cadre', sa.Column('duty', sa.String(length=16), server_default='', nullable=False))


def downgrade():
    op.drop_column('cadre', 'duty')
