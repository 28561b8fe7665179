"""What small-count suppression decides on: every natural village's counts of the sensitive indicators.

Read from the `natural_village_stats` view, which every bulk write rebuilds, so a decision costs one
scan of a few thousand rows; natural villages without households come with zero counts.
"""

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..privacy import NaturalVillageCounts


def counts() -> list[NaturalVillageCounts]:
    """Return every natural village with its village, township, county and sensitive counts."""
    columns = "".join(
        f", coalesce(s.{i.key}, 0) AS {i.key}, coalesce(s.{i.key}__candidates, 0) AS {i.key}__candidates"
        for i in indicators.SENSITIVE
    )
    rows = db.session.execute(
        text(f"""
            SELECT nv.id, nv.village_id, v.parent_id AS township_id, t.parent_id AS county_id {columns}
            FROM natural_village nv
            JOIN admin_unit v ON v.id = nv.village_id
            LEFT JOIN admin_unit t ON t.id = v.parent_id
            LEFT JOIN natural_village_stats s ON s.natural_village_id = nv.id
            ORDER BY nv.id""")
    ).mappings()
    return [
        NaturalVillageCounts(
            r["id"],
            r["village_id"],
            r["township_id"],
            r["county_id"],
            {i.key: (r[i.key], r[f"{i.key}__candidates"]) for i in indicators.SENSITIVE},
        )
        for r in rows
    ]
