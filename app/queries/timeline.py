"""A household's timeline (#12): its demands, visits and pairings as one list of typed events, newest first.

Every event has the same columns, so further kinds (household versions, #history) join the
UNION as one more SELECT: `kind`, `day` (the day it happened, in the county), `at` (the moment,
when one is known), `ref` (the demand's number), `subject`, `state`, `who` and `note`.
What a reader may not see never leaves the database: demands only for readers of demands,
pairings only for readers of pairings, visit findings and demand text only when allowed.
"""

from __future__ import annotations

from sqlalchemy import text

from ..extensions import db

KINDS = ("demand", "visit", "pairing_start", "pairing_end")
COLUMNS = ("kind", "day", "at", "ref", "subject", "state", "who", "note", "tie")
COLUMNS += ("photo_id", "photo_flags", "photo_distance_m", "photo_taken_at")
LIMIT = 200

# A visit's photo (#11) and its checks' flags go where its findings go.
_VISITS = """
    SELECT 'visit' AS kind, v.visited_on AS day, NULL::timestamptz AS at, NULL::bigint AS ref,
           v.kind AS subject, NULL AS state, c.name AS who, {findings} AS note, v.id AS tie,
           {photo}
    FROM visit v JOIN cadre c ON c.id = v.cadre_id LEFT JOIN photo p ON p.visit_id = v.id
    WHERE v.household_id = :id"""
_PHOTO = "p.id, p.flags, p.distance_m, p.taken_at"
_NO_PHOTO = "NULL::uuid, NULL::varchar[], NULL::int, NULL::timestamptz"
_PAIRINGS = """
    SELECT 'pairing_start', lower(p.valid), NULL, NULL, NULL, NULL, c.name, NULL, p.id, {none}
    FROM pairing p JOIN cadre c ON c.id = p.cadre_id WHERE p.household_id = :id
    UNION ALL
    -- upper(valid) is the first day no longer paired; a pairing ending in the future has not ended.
    SELECT 'pairing_end', upper(p.valid), NULL, NULL, NULL, NULL, c.name, NULL, p.id, {none}
    FROM pairing p JOIN cadre c ON c.id = p.cadre_id
    WHERE p.household_id = :id AND NOT upper_inf(p.valid) AND upper(p.valid) <= :today"""
_DEMANDS = """
    SELECT 'demand', d.raised_on, d.changed_at, d.id, k.label_{lang}, d.state, d.assignee,
           {description}, d.id, {none}
    FROM demand d JOIN demand_kind k ON k.key = d.kind WHERE d.household_id = :id"""


def household_timeline(
    household_id: int, *, today, demands: bool, work: bool, notes: bool, lang: str, limit: int = LIMIT
) -> list[dict]:
    """Return a household's events, newest first, as dicts with the columns the module describes.

    Parameters
    ----------
    today
        The county's date: a pairing ending later has not ended yet.
    demands
        Whether the reader may read the household's demands (kind, state, what was asked).
    work
        Whether the reader may read the household's visits and pairings one by one
        (`app.privacy.work_scope`; gis gets counts only, elsewhere).
    notes
        Whether the reader may read visit findings.
    lang
        "zh" or "en": the language of a demand's kind.
    """
    parts = []
    if work:
        visits = _VISITS.format(
            findings="v.findings" if notes else "NULL", photo=_PHOTO if notes else _NO_PHOTO
        )
        parts += [visits, _PAIRINGS.format(none=_NO_PHOTO)]
    if demands:
        language = "zh" if lang == "zh" else "en"
        parts.append(_DEMANDS.format(lang=language, description="d.description", none=_NO_PHOTO))
    if not parts:
        return []
    sql = f"""SELECT * FROM ({" UNION ALL ".join(parts)}) e({", ".join(COLUMNS)})
              ORDER BY day DESC, at DESC NULLS LAST, tie DESC LIMIT :limit"""
    rows = db.session.execute(text(sql), {"id": household_id, "today": today, "limit": limit}).mappings()
    return [{k: v for k, v in row.items() if k != "tie"} for row in rows]
