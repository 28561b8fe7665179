"""photos: a visit's photo and a demand's photos, with what their EXIF says and the checks' flags (#11, #12)

The bytes live in files under PHOTO_FOLDER named by the row's id; the unused `visit.photo`
column (bytes in the row) goes.

Revision ID: 0015_photos
Revises: 0013_open311
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0015_photos'
down_revision = '0013_open311'
branch_labels = None
depends_on = None


def upgrade():
    op.create_geospatial_table('photo',
    sa.Column('id', postgresql.UUID(as_uuid=True), nullable=False),
    sa.Column('visit_id', sa.BigInteger(), nullable=True),
    sa.Column('demand_id', sa.BigInteger(), nullable=True),
    sa.Column('content_type', sa.String(length=16), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('distance_m', sa.Integer(), nullable=True),
    sa.Column('flags', postgresql.ARRAY(sa.String(length=16)), server_default=sa.text("'{}'::varchar[]"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("num_nonnulls(visit_id, demand_id) = 1", name=op.f('ck_photo_one_owner')),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name=op.f('ck_photo_content_type')),
    sa.CheckConstraint("flags <@ ARRAY['no_location', 'far', 'no_time', 'off_day']::varchar[]", name=op.f('ck_photo_flags')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_photo_created_by_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], name=op.f('fk_photo_demand_id_demand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_photo_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo'))
    )
    op.create_geospatial_index('idx_photo_geom', 'photo', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_photo_demand_id', 'photo', ['demand_id'], unique=False)
    op.create_index('uq_photo_visit_id', 'photo', ['visit_id'], unique=True, postgresql_where=sa.text('visit_id IS NOT NULL'))
    op.drop_column('visit', 'photo')


def downgrade():
    op.add_column('visit', sa.Column('photo', postgresql.BYTEA(), nullable=True))
    op.drop_index('uq_photo_visit_id', table_name='photo', postgresql_where=sa.text('visit_id IS NOT NULL'))
    op.drop_index('ix_photo_demand_id', table_name='photo')
    op.drop_geospatial_index('idx_photo_geom', table_name='photo', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('photo')
