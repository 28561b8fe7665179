"""demand tally: demands per natural village, kind, state and (while open) due day, kept by triggers (#12)

The county-zoom demand tiles add these up instead of counting every demand (app.queries.demand_tiles).

Revision ID: 0018_demand_tally
Revises: 0011_history
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa

revision = '0018_demand_tally'
down_revision = '0011_history'
branch_labels = None
depends_on = None

# A demand answered or closed is tallied without its due day: -infinity.
DUE = "CASE WHEN {r}.state IN ('answered', 'closed') THEN '-infinity'::date ELSE {r}.due_on END"

FUNCTIONS = f"""
CREATE FUNCTION demand_tallied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE demand_tally SET n = n - 1
        WHERE natural_village_id = OLD.natural_village_id AND kind = OLD.kind AND state = OLD.state
          AND due_on = {DUE.format(r="OLD")};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO demand_tally AS t (natural_village_id, kind, state, due_on, n)
        VALUES (NEW.natural_village_id, NEW.kind, NEW.state, {DUE.format(r="NEW")}, 1)
        ON CONFLICT (natural_village_id, kind, state, due_on) DO UPDATE SET n = t.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION demand_tally_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM demand_tally;  -- not TRUNCATE: the loader truncates the tally in the same statement
    RETURN NULL;
END $$;
CREATE TRIGGER demand_tallied_inserted AFTER INSERT OR DELETE ON demand
    FOR EACH ROW EXECUTE FUNCTION demand_tallied();
CREATE TRIGGER demand_tallied_updated AFTER UPDATE OF natural_village_id, kind, state, due_on ON demand
    FOR EACH ROW
    WHEN ((OLD.natural_village_id, OLD.kind, OLD.state, OLD.due_on)
          IS DISTINCT FROM (NEW.natural_village_id, NEW.kind, NEW.state, NEW.due_on))
    EXECUTE FUNCTION demand_tallied();
-- A county replaced by TRUNCATE (the demo loader) takes its tally with it.
CREATE TRIGGER demand_tally_emptied AFTER TRUNCATE ON demand
    FOR EACH STATEMENT EXECUTE FUNCTION demand_tally_emptied();
"""


def upgrade():
    op.create_table(
        'demand_tally',
        sa.Column('natural_village_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['natural_village_id'], ['natural_village.id'],
                                name=op.f('fk_demand_tally_natural_village_id_natural_village'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('natural_village_id', 'kind', 'state', 'due_on', name=op.f('pk_demand_tally')),
    )
    op.execute(FUNCTIONS)
    op.execute(f"""
        INSERT INTO demand_tally (natural_village_id, kind, state, due_on, n)
        SELECT d.natural_village_id, d.kind, d.state, {DUE.format(r="d")}, count(*)
        FROM demand d GROUP BY 1, 2, 3, 4""")


def downgrade():
    op.execute("DROP TRIGGER demand_tallied_inserted ON demand; DROP TRIGGER demand_tallied_updated ON demand; "
               "DROP TRIGGER demand_tally_emptied ON demand; "
               "DROP FUNCTION demand_tallied(); DROP FUNCTION demand_tally_emptied()")
    op.drop_table('demand_tally')
