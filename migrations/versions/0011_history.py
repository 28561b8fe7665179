"""history: every version of a household and a member kept with when it held, who wrote it and from where (#13)

A statement-level trigger per versioned table closes the open version of each
changed row and opens a new one, reading the writer from the transaction-local
settings `minqing.actor` (an app user id) and `minqing.source` (a form, import
job or command) that `app.versions` sets as each transaction begins. A row
written twice in one statement moment keeps only its last version. Households
also get the year they were registered poor and the year they were lifted out.

Revision ID: 0011_history
Revises: 0010_members
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011_history'
down_revision = '0010_members'
branch_labels = None
depends_on = None

VERSIONED = {"household": "natural_village_id", "member": "household_id"}

FUNCTIONS = """
CREATE FUNCTION history_written() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    history text := quote_ident(TG_TABLE_NAME || '_history');
    at timestamptz := statement_timestamp();
    actor integer := nullif(current_setting('minqing.actor', true), '')::integer;
    source text := coalesce(nullif(current_setting('minqing.source', true), ''), 'sql');
    new_values text;
    old_values text;
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT n.* FROM new_rows n' ELSE 'SELECT o.* FROM old_rows o' END;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- The rows whose values changed: a rewrite of the same values, or of updated_at alone, is no
        -- version. Compared column by column (to_jsonb would turn every geometry into GeoJSON first).
        SELECT string_agg('n.' || quote_ident(attname), ', ' ORDER BY attnum),
               string_agg('o.' || quote_ident(attname), ', ' ORDER BY attnum)
        INTO new_values, old_values
        FROM pg_attribute
        WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped AND attname <> 'updated_at';
        changed := format('SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id
                           WHERE (%s) IS DISTINCT FROM (%s)', new_values, old_values);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        -- A version opened at this very moment (the same statement time) is replaced, not closed empty.
        EXECUTE format('DELETE FROM %s h USING (%s) c
                        WHERE h.id = c.id AND upper_inf(h.valid) AND lower(h.valid) >= $1',
                       history, changed) USING at;
        EXECUTE format('UPDATE %s h SET valid = tstzrange(lower(h.valid), $1) FROM (%s) c
                        WHERE h.id = c.id AND upper_inf(h.valid)', history, changed) USING at;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        EXECUTE format('INSERT INTO %s SELECT tstzrange($1, NULL), $2, $3, c.* FROM (%s) c',
                       history, changed) USING at, actor, source;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION history_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('TRUNCATE %I', TG_TABLE_NAME || '_history');
    RETURN NULL;
END $$;
"""


def _triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_history_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION history_written();
CREATE TRIGGER {table}_history_updated AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION history_written();
CREATE TRIGGER {table}_history_deleted AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION history_written();
-- A county replaced by TRUNCATE (the demo loader) takes its history with it.
CREATE TRIGGER {table}_history_emptied AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION history_emptied();"""


def upgrade():
    op.add_column('household', sa.Column('poverty_registered_year', sa.SmallInteger(), nullable=True))
    op.add_column('household', sa.Column('poverty_lifted_year', sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f('ck_household_poverty_years'),
        'household',
        'poverty_registered_year BETWEEN 1980 AND 2100 AND poverty_lifted_year >= poverty_registered_year',
    )
    op.execute(FUNCTIONS)
    for table, indexed in VERSIONED.items():
        history = f"{table}_history"
        # The versioned table's columns in its own order (LIKE), whatever earlier migrations added.
        op.execute(f"""
            CREATE TABLE {history} (
                valid tstzrange NOT NULL, actor_id integer, source text NOT NULL, LIKE {table})""")
        op.create_index(op.f(f'uq_{history}_current'), history, ['id'], unique=True,
                        postgresql_where=sa.text('upper_inf(valid)'))
        op.create_index(op.f(f'ix_{history}_id_valid'), history, ['id', 'valid'], unique=False)
        op.create_index(op.f(f'ix_{history}_{indexed}'), history, [indexed], unique=False)
        # Rows already there become their first version, from the moment of the upgrade.
        op.execute(f"INSERT INTO {history} SELECT tstzrange(now(), NULL), NULL, 'migration', t.* FROM {table} t")
        op.execute(_triggers(table))


def downgrade():
    for table in VERSIONED:
        for suffix in ("inserted", "updated", "deleted", "emptied"):
            op.execute(f"DROP TRIGGER {table}_history_{suffix} ON {table}")
        op.drop_table(f"{table}_history")
    op.execute("DROP FUNCTION history_written(); DROP FUNCTION history_emptied()")
    op.drop_constraint(op.f('ck_household_poverty_years'), 'household', type_='check')
    op.drop_column('household', 'poverty_lifted_year')
    op.drop_column('household', 'poverty_registered_year')
