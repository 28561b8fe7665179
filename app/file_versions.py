"""A household's versions as its card shows them: when, who, from where, and what changed (#13).

Versions are compared on the fields as the reader's role lets them out (masked in
SQL, omitted never read), so the timeline shows no more than the card: a change
to a field the role cannot see is no entry at all, not an empty one.
"""

from . import fields, localtime
from .i18n import Text
from .privacy import Rule
from .queries import asof

# What wrote a version, by the prefix of its source (`app.versions`).
SOURCES = {
    "web": "web form",
    "job": "import",
    "cli": "command line",
    "demo": "demo data",
    "history": "yearly check",
    "migration": "on record before history was kept",
    "sql": "changed in the database directly",
}


def source_label(source: str, lang: str) -> str:
    """Return where a version came from as people read it: "导入 一户一表.xlsx（任务 12）"."""
    kind, _sep, rest = source.partition(":")
    if kind == "job":
        job, _sep, what = rest.partition(":")
        _kind, _sep, target = what.partition(":")
        return Text("import {file} (job {job})", file=target, job=job).render(lang)
    return Text(SOURCES.get(kind, "changed in the database directly")).render(lang)


def entries(household_id: int, rules: dict[str, Rule], lang: str) -> list[dict]:
    """Return the household's timeline, newest first: at (county time), who, source, changes.

    ``changes`` lists (label, before, after) per field that changed; the first version's is empty
    (the household entered the files).
    """
    labels = fields.labels(lang, rules)
    timeline, previous = [], None
    for version in asof.versions(household_id, rules):
        shown = {k: version[k] for k in labels if k in version}
        changes = []
        if previous is not None:
            changes = [
                (labels[k], fields.display(k, previous[k], lang), fields.display(k, value, lang))
                for k, value in shown.items()
                if value != previous[k]
            ]
            if not changes:
                continue  # only fields this role cannot see changed
        timeline.append(
            {
                "at": localtime.local(version["at"]),
                "who": version["actor"] or "–",
                "source": source_label(version["source"], lang),
                "changes": changes,
            }
        )
        previous = shown
    return timeline[::-1]
