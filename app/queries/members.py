"""Household members (#13): replace households' members in bulk, read them as the privacy rules allow,
and add, change or remove one from the card.

Every write goes to the `member` table only; the household counts that members
determine follow by the database's triggers (migration 0010_members).
"""

from collections.abc import Iterable, Mapping

from sqlalchemy import text

from ..extensions import db
from ..models import RELATIONS
from ..privacy import Rule
from . import _copy, personal_sql

STAGE = "stage_member"
# Member columns and their staging types, in the order files and frames carry them.
COLUMNS = {
    "name": "text",
    "id_number": "text",
    "relation": "text",
    "sex": "text",
    "birth_date": "date",
    "disabled": "boolean",
    "left_behind_child": "boolean",
    "migrant_worker": "boolean",
    "migrant_place": "text",
    "student": "boolean",
    "insured": "boolean",
}
# The household columns a member's flags reveal, and so follow: a reader who may not see the
# household's count does not see the members' flags either (nor, for `members`, the list at all).
FLAG_COLUMNS = {
    "left_behind_child": "left_behind_children",
    "migrant_worker": "migrant_workers",
    "migrant_place": "migrant_workers",
    "disabled": "disabled_members",
}
_ORDER = f"array_position(ARRAY[{', '.join(repr(r) for r in RELATIONS)}]::text[], m.relation::text)"


def households(codes: Iterable[str]) -> dict[str, dict]:
    """Return household code → its id and administrative village id, for the `codes` that exist."""
    rows = db.session.execute(
        text("""
        SELECT h.code, h.id, nv.village_id FROM household h
        JOIN natural_village nv ON nv.id = h.natural_village_id WHERE h.code = ANY(:codes)"""),
        {"codes": sorted(set(codes))},
    ).mappings()
    return {r["code"]: {"id": r["id"], "village_id": r["village_id"]} for r in rows}


def replace_members(frame) -> dict[str, int]:
    """Replace the members of every household `frame` names (``household_code`` + COLUMNS) with its rows.

    A person already on file keeps their row, changed in place: the same ID number in the household,
    else the same name and relation (the n-th of a name and relation pairs with the n-th). So a form
    imported again writes no version for a member it does not change, and the card's list of versions
    tells a corrected birth date from a person removed and another added. Members the file does not
    list are removed; the others are added.

    Returns the number of households whose members were replaced and of members written.
    """
    session = db.session
    definitions = ", ".join(f"{c} {t}" for c, t in COLUMNS.items())
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    # n: the file's order; household_id and member_id: where each row goes, filled below.
    session.execute(
        text(f"""
        CREATE TEMP TABLE {STAGE} (household_code text, {definitions},
                                   n serial, household_id integer, member_id integer)""")
    )
    _copy(session.connection().connection.cursor(), STAGE, frame[["household_code", *COLUMNS]])
    session.execute(
        text(f"""
        UPDATE {STAGE} s SET household_id = h.id FROM household h WHERE h.code = s.household_code;
        DELETE FROM {STAGE} WHERE household_id IS NULL;
        CREATE INDEX ON {STAGE} (household_id)""")
    )
    _pair_staged_members()
    columns = ", ".join(COLUMNS)
    staged = ", ".join("s." + c for c in COLUMNS)
    replaced = session.execute(
        text(f"""
        WITH gone AS (
            DELETE FROM member m USING (SELECT DISTINCT household_id FROM {STAGE}) h
            WHERE m.household_id = h.household_id
              AND m.id NOT IN (SELECT member_id FROM {STAGE} WHERE member_id IS NOT NULL))
        SELECT count(DISTINCT household_id) FROM {STAGE}""")
    ).scalar_one()
    session.execute(
        text(f"UPDATE member m SET ({columns}) = ({staged}) FROM {STAGE} s WHERE m.id = s.member_id")
    )
    session.execute(
        text(f"""
        INSERT INTO member (household_id, {columns})
        SELECT s.household_id, {staged} FROM {STAGE} s WHERE s.member_id IS NULL ORDER BY s.n""")
    )
    written = session.execute(text(f"SELECT count(*) FROM {STAGE}")).scalar_one()
    session.execute(text(f"DROP TABLE {STAGE}"))
    return {"replaced": replaced, "members": written}


def _pair_staged_members() -> None:
    """Set each staged row's ``member_id`` to the person on file it is: by ID number, then by name
    and relation in order, each member paired once."""
    db.session.execute(
        text(f"""
        UPDATE {STAGE} s SET member_id = m.id FROM member m
        WHERE m.household_id = s.household_id AND m.id_number = s.id_number;
        WITH staged AS (
            SELECT n, household_id, name, relation,
                   row_number() OVER (PARTITION BY household_id, name, relation ORDER BY n) AS k
            FROM {STAGE} WHERE member_id IS NULL),
        listed AS (
            SELECT m.id, m.household_id, m.name, m.relation,
                   row_number() OVER (PARTITION BY m.household_id, m.name, m.relation ORDER BY m.id) AS k
            FROM member m
            WHERE m.household_id IN (SELECT household_id FROM staged)
              AND m.id NOT IN (SELECT member_id FROM {STAGE} WHERE member_id IS NOT NULL))
        UPDATE {STAGE} s SET member_id = l.id
        FROM staged t JOIN listed l USING (household_id, name, relation, k) WHERE s.n = t.n""")
    )


def _fields(rules: Mapping[str, Rule]) -> list[str]:
    """Return the SELECT list of a member row ``m`` as the head's `rules` let it out (masked in SQL)."""
    fields = ["m.id", "m.relation", "m.sex", "m.student", "m.insured"]
    for field, column in (("head_name", "m.name"), ("id_number", "m.id_number")):
        if (sql := personal_sql(field, rules, column)) is not None:
            fields.append(f"{sql} AS {column[2:]}")
    if rules["id_number"] is Rule.SHOW:  # a birth date is digits 7-14 of the ID number, which a mask hides
        fields.append("m.birth_date")
    for flag, household_column in FLAG_COLUMNS.items():
        if rules.get(household_column, Rule.SHOW) is Rule.SHOW:
            fields.append(f"m.{flag}")
    return fields


def _listed(rules: Mapping[str, Rule]) -> bool:
    """Return whether `rules` let members be listed: not where they omit the household's member count."""
    return rules.get("members", Rule.SHOW) is Rule.SHOW


def members_of(household_id: int, rules: Mapping[str, Rule]) -> list[dict] | None:
    """Return a household's members, head first, names and ID numbers as the head's `rules` say.

    None when the rules omit the household's member count (the list would give it away).
    """
    if not _listed(rules):
        return None
    fields = [*_fields(rules), "date_part('year', age(current_date, m.birth_date))::int AS age"]
    rows = db.session.execute(
        text(f"""
        SELECT {", ".join(fields)} FROM member m WHERE m.household_id = :id
        ORDER BY {_ORDER}, m.birth_date NULLS LAST, m.id"""),
        {"id": household_id},
    )
    return [dict(r) for r in rows.mappings()]


def versions(household_id: int, rules: Mapping[str, Rule]) -> list[dict]:
    """Return every version of a household's members, by member then time, as `rules` let them out.

    Each carries ``at`` and ``until`` (when it held; ``until`` None for a current one), ``actor`` and
    ``source``, and for a member's last closed version ``removed_by`` and ``removed_from``: who wrote
    the household's (or another member's) version that began as it ended, i.e. who removed the member
    (the removal's derived counts change the household in the same statement). Nothing when `rules`
    do not list members.
    """
    if not _listed(rules):
        return []
    actor = "coalesce(nullif({u}.display_name, ''), {u}.username)"
    rows = db.session.execute(
        text(f"""
        SELECT v.*, {actor.format(u="u")} AS actor, gone.actor AS removed_by, gone.source AS removed_from
        FROM (SELECT lower(m.valid) AS at, upper(m.valid) AS until, m.actor_id, m.source,
                     {", ".join(_fields(rules))}
              FROM member_history m WHERE m.household_id = :id) v
        LEFT JOIN app_user u ON u.id = v.actor_id
        LEFT JOIN LATERAL (
            SELECT {actor.format(u="w")} AS actor, o.source
            FROM (SELECT actor_id, source FROM household_history
                  WHERE id = :id AND lower(valid) = v.until
                  UNION ALL
                  SELECT actor_id, source FROM member_history
                  WHERE household_id = :id AND lower(valid) = v.until) o
            LEFT JOIN app_user w ON w.id = o.actor_id
            LIMIT 1) gone ON v.until IS NOT NULL
        ORDER BY v.id, v.at"""),
        {"id": household_id},
    )
    return [dict(r) for r in rows.mappings()]


def save_member(household_id: int, values: Mapping, *, member_id: int | None = None) -> int | None:
    """Add a member to the household, or change its member `member_id`; return the member's id.

    None when `member_id` is no member of this household.
    """
    if member_id is None:
        columns = ", ".join(COLUMNS)
        statement = f"""INSERT INTO member (household_id, {columns})
            VALUES (:household_id, {", ".join(":" + c for c in COLUMNS)}) RETURNING id"""
    else:
        assignments = ", ".join(f"{c} = :{c}" for c in COLUMNS)
        statement = f"""UPDATE member SET {assignments}
            WHERE id = :member_id AND household_id = :household_id RETURNING id"""
    params = {**{c: values.get(c) for c in COLUMNS}, "household_id": household_id, "member_id": member_id}
    return db.session.execute(text(statement), params).scalar()


def remove_member(household_id: int, member_id: int) -> bool:
    """Remove member `member_id` of the household; say whether there was one."""
    removed = db.session.execute(
        text("DELETE FROM member WHERE id = :member_id AND household_id = :household_id"),
        {"member_id": member_id, "household_id": household_id},
    )
    return removed.rowcount > 0


def heads(household_id: int, *, besides: int | None = None) -> int:
    """Count the household's members recorded as its head, leaving out member `besides`."""
    return db.session.execute(
        text("""SELECT count(*) FROM member WHERE household_id = :id AND relation = 'head'
                AND id IS DISTINCT FROM :besides"""),
        {"id": household_id, "besides": besides},
    ).scalar_one()
