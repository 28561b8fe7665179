"""members: a member's relation from a known list, student, where a migrant works, health insurance (#13)

Household counts that members determine (members, left_behind_children,
disabled_members, migrant_workers) are derived from the household's member rows
by the database, in the writing transaction, wherever a household has members:

- a statement trigger on `member` touches the households a statement changed, and
- a row trigger on `household` (BEFORE UPDATE OF those counts) puts the derived
  counts back into the row, so a household import or a hand-written UPDATE
  cannot make them disagree with the members either.

Triggers rather than a Python function called by every writer: the importers,
the card's forms, the demo loader and psql all write these tables, and only the
database sees every one of them. Households without member rows keep their own
counts. Empty-nest and left-behind elderly stay household attributes: they depend
on where relatives outside the household live, which the member list does not say.

Revision ID: 0010_members
Revises: 0009_demands
Create Date: 2026-12-07

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_members'
down_revision = '0009_demands'
branch_labels = None
depends_on = None

RELATIONS = (
    "head", "spouse", "son", "daughter", "daughter_in_law", "son_in_law", "grandson", "granddaughter",
    "father", "mother", "grandfather", "grandmother", "sibling", "other",
)

FUNCTIONS = """
CREATE FUNCTION household_members_derived() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counted record;
BEGIN
    SELECT count(*) AS members,
           count(*) FILTER (WHERE left_behind_child) AS left_behind_children,
           count(*) FILTER (WHERE disabled) AS disabled_members,
           count(*) FILTER (WHERE migrant_worker) AS migrant_workers
    INTO counted FROM member WHERE household_id = NEW.id;
    IF counted.members > 0 THEN
        NEW.members := counted.members;
        NEW.left_behind_children := counted.left_behind_children;
        NEW.disabled_members := counted.disabled_members;
        NEW.migrant_workers := counted.migrant_workers;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER household_members_derived
    BEFORE UPDATE OF members, left_behind_children, disabled_members, migrant_workers ON household
    FOR EACH ROW EXECUTE FUNCTION household_members_derived();

CREATE FUNCTION member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Naming `members` fires household_members_derived, the one place the counts are computed.
    IF TG_OP = 'INSERT' THEN
        UPDATE household SET members = members WHERE id IN (SELECT household_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE household SET members = members WHERE id IN (SELECT household_id FROM old_rows);
    ELSE
        UPDATE household SET members = members
        WHERE id IN (SELECT household_id FROM new_rows UNION SELECT household_id FROM old_rows);
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
               "DROP TRIGGER member_updated ON member; DROP FUNCTION member_changed(); "
               "DROP TRIGGER household_members_derived ON household; "
               "DROP FUNCTION household_members_derived()")
    op.drop_constraint(op.f('ck_member_relation'), 'member', type_='check')
    op.drop_column('member', 'insured')
    op.drop_column('member', 'student')
    op.drop_column('member', 'migrant_place')
