"""demands: people's demands (诉求), their append-only events, the kinds catalogue and deadlines (#12)

The demand row's state, assignee, rating and version are derived from its events by
the row trigger on `demand_event` in the inserting transaction; events are never
updated or deleted (a trigger refuses both).

Revision ID: 0009_demands
Revises: 0008_work
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0009_demands'
down_revision = '0008_work'
branch_labels = None
depends_on = None



KINDS = [
    ("roads", "道路", "Roads", 1, 20),
    ("water", "饮水", "Drinking water", 2, 10),
    ("housing", "住房", "Housing", 3, 20),
    ("medical_insurance", "医保", "Medical insurance", 4, 10),
    ("education", "教育", "Education", 5, 10),
    ("employment", "就业", "Employment", 6, 15),
    ("dispute", "纠纷", "Dispute", 7, 5),
    ("dibao", "低保", "Subsistence allowance", 8, 15),
    ("other", "其他", "Other", 9, 15),
]
URGENT_WORKING_DAYS = 3

FUNCTIONS = """
CREATE FUNCTION demand_event_applied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE demand SET
        state = NEW.state,
        version = version + 1,
        changed_at = NEW.at,
        assignee_kind = CASE WHEN NEW.action = 'assign' THEN NEW.detail->>'assignee_kind' ELSE assignee_kind END,
        assignee = CASE WHEN NEW.action = 'assign' THEN NEW.detail->>'assignee' ELSE assignee END,
        rating = CASE WHEN NEW.action = 'close' THEN NEW.detail->>'rating'
                      WHEN NEW.action = 'reopen' THEN NULL ELSE rating END
    WHERE id = NEW.demand_id;
    RETURN NULL;
END $$;
CREATE FUNCTION demand_event_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'demand events are append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER demand_event_applied AFTER INSERT ON demand_event
    FOR EACH ROW EXECUTE FUNCTION demand_event_applied();
CREATE TRIGGER demand_event_kept BEFORE UPDATE OR DELETE ON demand_event
    FOR EACH ROW EXECUTE FUNCTION demand_event_kept();
"""


def upgrade():
    op.create_table('demand_kind',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('label_zh', sa.String(length=32), nullable=False),
    sa.Column('label_en', sa.String(length=64), nullable=False),
    sa.Column('position', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_demand_kind'))
    )
    op.create_table('demand_deadline',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('working_days', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint("urgency IN ('normal', 'urgent')", name=op.f('ck_demand_deadline_urgency')),
    sa.CheckConstraint('working_days BETWEEN 1 AND 250', name=op.f('ck_demand_deadline_working_days_range')),
    sa.ForeignKeyConstraint(['kind'], ['demand_kind.key'], name=op.f('fk_demand_deadline_kind_demand_kind'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'urgency', name=op.f('pk_demand_deadline'))
    )
    op.create_geospatial_table('demand',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sa.String(length=32), server_default='', nullable=False),
    sa.Column('person_phone', sa.String(length=20), server_default='', nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('natural_village_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='registered', nullable=False),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('assignee_kind', sa.String(length=16), nullable=True),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('rating', sa.String(length=16), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("assignee_kind IS NULL OR assignee_kind IN ('cadre', 'village', 'township', 'department')", name=op.f('ck_demand_assignee_kind')),
    sa.CheckConstraint("channel IN ('reception', 'visit', 'phone', 'letter')", name=op.f('ck_demand_channel')),
    sa.CheckConstraint("household_id IS NOT NULL OR person_name <> ''", name=op.f('ck_demand_raised_by')),
    sa.CheckConstraint("rating IS NULL OR rating IN ('satisfied', 'basically', 'not_satisfied')", name=op.f('ck_demand_rating')),
    sa.CheckConstraint("state IN ('registered', 'accepted', 'assigned', 'in_progress', 'answered', 'closed', 'reopened')", name=op.f('ck_demand_state')),
    sa.CheckConstraint("urgency IN ('normal', 'urgent')", name=op.f('ck_demand_urgency')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_demand_created_by_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_demand_household_id_household'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['kind'], ['demand_kind.key'], name=op.f('fk_demand_kind_demand_kind')),
    sa.ForeignKeyConstraint(['natural_village_id'], ['natural_village.id'], name=op.f('fk_demand_natural_village_id_natural_village')),
    sa.ForeignKeyConstraint(['village_id'], ['admin_unit.id'], name=op.f('fk_demand_village_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand'))
    )
    op.create_geospatial_index('idx_demand_geom', 'demand', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_demand_household_id'), 'demand', ['household_id'], unique=False)
    op.create_index(op.f('ix_demand_natural_village_id'), 'demand', ['natural_village_id'], unique=False)
    op.create_index('ix_demand_village_id_id', 'demand', ['village_id', 'id'], unique=False)
    op.create_table('demand_event',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('demand_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.CheckConstraint("state IN ('registered', 'accepted', 'assigned', 'in_progress', 'answered', 'closed', 'reopened')", name=op.f('ck_demand_event_state')),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], name=op.f('fk_demand_event_demand_id_demand')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_demand_event_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_event'))
    )
    op.create_index('ix_demand_event_demand_id_at', 'demand_event', ['demand_id', 'at'], unique=False)
    op.execute(FUNCTIONS)
    kinds = sa.table("demand_kind", sa.column("key"), sa.column("label_zh"), sa.column("label_en"),
                     sa.column("position", sa.SmallInteger))
    op.bulk_insert(kinds, [dict(key=k, label_zh=zh, label_en=en, position=p) for k, zh, en, p, _ in KINDS])
    deadlines = sa.table("demand_deadline", sa.column("kind"), sa.column("urgency"),
                         sa.column("working_days", sa.SmallInteger))
    op.bulk_insert(deadlines, [
        dict(kind=k, urgency=urgency, working_days=days if urgency == "normal" else URGENT_WORKING_DAYS)
        for k, _, _, _, days in KINDS for urgency in ("normal", "urgent")
    ])


def downgrade():
    op.execute("DROP TABLE demand_event")
    op.execute("DROP FUNCTION demand_event_applied(), demand_event_kept()")
    op.drop_index('ix_demand_village_id_id', table_name='demand')
    op.drop_index(op.f('ix_demand_natural_village_id'), table_name='demand')
    op.drop_index(op.f('ix_demand_household_id'), table_name='demand')
    op.drop_geospatial_index('idx_demand_geom', table_name='demand', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('demand')
    op.drop_table('demand_deadline')
    op.drop_table('demand_kind')
