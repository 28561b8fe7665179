"""demand counts: demands per natural village and kind, a column per state, kept by triggers (#12)

The county-zoom demand tiles add up `demand_count` (a row per kind in a natural village) and
take the overdue as the open ones less those not yet due: the tally's rows due today or later,
which the new index reads per natural village from the county's today, so no daily job is needed.

Revision ID: 0019_demand_points
Revises: 0019_trends
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa

revision = '0019_demand_points'
down_revision = '0019_trends'
branch_labels = None
depends_on = None

# The demand states when this was written (app.demand_models.STATES), each a column.
STATES = ("registered", "accepted", "assigned", "in_progress", "answered", "closed", "reopened")


def _each(template: str) -> str:
    return ", ".join(template.format(s=state) for state in STATES)


FUNCTIONS = f"""
CREATE FUNCTION demand_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE demand_count SET {_each("{s} = {s} - (OLD.state = '{s}')::int")}
        WHERE natural_village_id = OLD.natural_village_id AND kind = OLD.kind;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO demand_count AS c (natural_village_id, kind, {_each("{s}")})
        VALUES (NEW.natural_village_id, NEW.kind, {_each("(NEW.state = '{s}')::int")})
        ON CONFLICT (natural_village_id, kind) DO UPDATE SET {_each("{s} = c.{s} + EXCLUDED.{s}")};
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION demand_count_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM demand_count;  -- not TRUNCATE: the loader truncates the counts in the same statement
    RETURN NULL;
END $$;
CREATE TRIGGER demand_counted_inserted AFTER INSERT OR DELETE ON demand
    FOR EACH ROW EXECUTE FUNCTION demand_counted();
CREATE TRIGGER demand_counted_updated AFTER UPDATE OF natural_village_id, kind, state ON demand
    FOR EACH ROW
    WHEN ((OLD.natural_village_id, OLD.kind, OLD.state) IS DISTINCT FROM (NEW.natural_village_id, NEW.kind, NEW.state))
    EXECUTE FUNCTION demand_counted();
CREATE TRIGGER demand_count_emptied AFTER TRUNCATE ON demand
    FOR EACH STATEMENT EXECUTE FUNCTION demand_count_emptied();
"""


def upgrade():
    op.create_table(
        'demand_count',
        sa.Column('natural_village_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        *(sa.Column(state, sa.Integer(), server_default='0', nullable=False) for state in STATES),
        sa.ForeignKeyConstraint(['natural_village_id'], ['natural_village.id'],
                                name=op.f('fk_demand_count_natural_village_id_natural_village'),
                                ondelete='CASCADE'),
        # The counts in the key's index: a tile reads a natural village's counts without the heap.
        sa.PrimaryKeyConstraint('natural_village_id', 'kind', name=op.f('pk_demand_count'),
                                postgresql_include=list(STATES)),
    )
    op.execute(FUNCTIONS)
    op.execute(f"""
        INSERT INTO demand_count (natural_village_id, kind, {_each("{s}")})
        SELECT d.natural_village_id, d.kind, {_each("count(*) FILTER (WHERE d.state = '{s}')")}
        FROM demand d GROUP BY 1, 2""")
    # The open demands not yet due in a natural village, read without the heap.
    op.create_index('ix_demand_tally_natural_village_id_due_on', 'demand_tally', ['natural_village_id', 'due_on'],
                    postgresql_include=['kind', 'state', 'n'])


def downgrade():
    op.drop_index('ix_demand_tally_natural_village_id_due_on', table_name='demand_tally')
    op.execute("DROP TRIGGER demand_counted_inserted ON demand; DROP TRIGGER demand_counted_updated ON demand; "
               "DROP TRIGGER demand_count_emptied ON demand; "
               "DROP FUNCTION demand_counted(); DROP FUNCTION demand_count_emptied()")
    op.drop_table('demand_count')
