"""members: a member's relation from a known list, student, where a migrant works, health insurance (#13)

Household counts that members determine (members, left_behind_children,
disabled_members, migrant_workers) are derived from the household's member rows
by the database, in the writing transaction, wherever a household has members:

- a statement trigger on `member` recomputes the households a statement changed
  (one UPDATE, set-based, whatever the statement's size), and
- a row trigger on `household` (BEFORE UPDATE OF those counts) puts the derived
  counts back into a row written directly, so a household import or a hand-written
  UPDATE cannot make them disagree with the members either.

Triggers rather than a Python function called by every writer: the importers,
the card's forms, the demo loader and psql all write these tables, and only the
database sees every one of them. Households without member rows keep their own
counts. Empty-nest and left-behind elderly stay household attributes: they depend
on where relatives outside the household live, which the member list does not say.

Revision ID: 0010_members
Revises: 0015_photos
Create Date: 2026-12-07

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_members'
down_revision = '0015_photos'
branch_labels = None
depends_on = None

RELATIONS = (
    "head", "spouse", "son", "daughter", "daughter_in_law", "son_in_law", "grandson", "granddaughter",
    "father", "mother", "grandfather", "grandmother", "sibling", "other",
)

# member_counts is the one definition of the derived counts; the statement trigger applies it to every
# household a statement touched in one UPDATE, the row trigger to a household written directly (a
# household import, psql). The row trigger skips the statement trigger's own UPDATE (trigger depth).
FUNCTIONS = """
CREATE FUNCTION member_counts(ids int[]) RETURNS TABLE (
    household_id int, members int, left_behind_children int, disabled_members int, migrant_workers int)
LANGUAGE sql STABLE AS $$
    SELECT household_id, count(*)::int,
           (count(*) FILTER (WHERE left_behind_child))::int,
           (count(*) FILTER (WHERE disabled))::int,
           (count(*) FILTER (WHERE migrant_worker))::int
    FROM member WHERE household_id IN (SELECT unnest(ids)) GROUP BY household_id
$$;
CREATE FUNCTION household_members_derived() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counted record;
BEGIN
    SELECT * INTO counted FROM member_counts(ARRAY[NEW.id]);
    IF FOUND THEN
        NEW.members := counted.members;
        NEW.left_behind_children := counted.left_behind_children;
        NEW.disabled_members := counted.disabled_members;
        NEW.migrant_workers := counted.migrant_workers;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER household_members_derived
    BEFORE UPDATE OF members, left_behind_children, disabled_members, migrant_workers ON household
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION household_members_derived();

CREATE FUNCTION members_apply(ids int[]) RETURNS void LANGUAGE sql AS $$
    UPDATE household h SET members = c.members, left_behind_children = c.left_behind_children,
        disabled_members = c.disabled_members, migrant_workers = c.migrant_workers
    FROM member_counts(ids) c
    WHERE h.id = c.household_id AND (h.members, h.left_behind_children, h.disabled_members, h.migrant_workers)
        IS DISTINCT FROM (c.members, c.left_behind_children, c.disabled_members, c.migrant_workers)
$$;
CREATE FUNCTION member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM members_apply(ARRAY(SELECT DISTINCT household_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM members_apply(ARRAY(SELECT DISTINCT household_id FROM old_rows));
    ELSE
        PERFORM members_apply(ARRAY(SELECT household_id FROM new_rows UNION SELECT household_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER member_inserted AFTER INSERT ON member REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_changed();
CREATE TRIGGER member_deleted AFTER DELETE ON member REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_changed();
CREATE TRIGGER member_updated AFTER UPDATE ON member
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_changed();
"""


def upgrade():
    op.add_column('member', sa.Column('migrant_place', sa.String(length=64), nullable=True))
    op.add_column('member', sa.Column('student', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('member', sa.Column('insured', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_check_constraint(
        op.f('ck_member_relation'), 'member', f"relation IN ({', '.join(repr(r) for r in RELATIONS)})"
    )
    op.execute(FUNCTIONS)


def downgrade():
    op.execute("DROP TRIGGER member_inserted ON member; DROP TRIGGER member_deleted ON member; "
               "DROP TRIGGER member_updated ON member; DROP FUNCTION member_changed(), members_apply(int[]); "
               "DROP TRIGGER household_members_derived ON household; "
               "DROP FUNCTION household_members_derived(), member_counts(int[])")
    op.drop_constraint(op.f('ck_member_relation'), 'member', type_='check')
    op.drop_column('member', 'insured')
    op.drop_column('member', 'student')
    op.drop_column('member', 'migrant_place')
