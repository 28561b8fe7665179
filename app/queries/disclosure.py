"""Small-count suppression in SQL: the counts it decides on, and the clause that withholds.

`counts` reads what `app.suppression.suppress` decides on from the `natural_village_stats` table,
which every bulk write rebuilds, so a decision costs one scan of a few thousand rows; natural
villages without households come with zero counts. `published_sql` turns the decision into the
condition every statement that publishes a sensitive count applies.
"""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..suppression import NaturalVillageCounts, Suppression


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


@dataclass(frozen=True)
class Hide:
    """Whose sensitive counts a statement publishes: the reader's suppression, and the area it counts.

    `area` is the SQL of the area's id in the statement; `level` says whether that is a
    natural village's id or an administrative unit's (village, township, county).
    """

    suppression: Suppression
    area: str
    level: Literal["natural_village", "unit"]


def disclosure_params(suppression: Suppression) -> dict:
    """Return the bound parameters the statements built with `suppression` read."""
    params: dict = {"disclosure_k": suppression.min_count}
    for key, areas in suppression.shown.items():
        params[f"shown_{key}_natural_village"] = sorted(areas.natural_villages)
        params[f"shown_{key}_unit"] = sorted(areas.units)
        params[f"exact_{key}_natural_village"] = sorted(areas.exact_natural_villages)
        params[f"exact_{key}_unit"] = sorted(areas.exact_units)
    return params


def published_sql(alias: str, indicator: indicators.Indicator, hide: Hide | None) -> str:
    """Return SQL that says whether the count of sensitive `indicator` in `alias` may be published.

    `suppression.suppress` decided the areas; the small-count rule is applied here again to the very
    numbers published, so a count below the threshold never leaves even if the two disagree.
    """
    if hide is None:
        raise ValueError(f"{indicator.key} is sensitive: its counts need a Hide saying whose they are")
    if not hide.suppression.restricts(indicator):
        return "true"
    key, level, area = indicator.key, hide.level, hide.area
    count, candidates = f"coalesce({alias}.{key}, 0)", f"coalesce({alias}.{key}__candidates, 0)"
    return (
        f"({area} = ANY(:exact_{key}_{level}) OR ({area} = ANY(:shown_{key}_{level})"
        f" AND {count} BETWEEN :disclosure_k AND {candidates} - :disclosure_k))"
    )
