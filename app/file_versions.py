"""A household's versions and its members' as its card shows them: when, who, from where, what changed (#13).

Versions are compared on the fields as the reader's role lets them out (masked in
SQL, omitted never read), so the timeline shows no more than the card: a change
to a field the role cannot see is no entry at all, not an empty one.
"""

import itertools

from . import fields, localtime
from .i18n import Text
from .privacy import Rule
from .queries import asof, members

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

    One entry per moment and writer, gathering the household's own changes and its members'
    (added, removed, a field changed). ``entered`` marks the household's first version (it entered
    the files with the members it had); ``changes`` lists (label, before, after).
    """
    found = [*_household_entries(household_id, rules, lang), *_member_entries(household_id, rules, lang)]
    merged: dict[tuple, dict] = {}
    for entry in sorted(found, key=lambda e: e["moment"]):
        key = (entry["moment"], entry["who"], entry["source"])
        if key not in merged:
            merged[key] = entry
        elif merged[key]["entered"]:
            continue  # members on file when the household entered the files are part of that entry
        else:
            merged[key]["changes"] += entry["changes"]
    return [{**e, "at": localtime.local(e["moment"])} for e in reversed(merged.values())]


def _entry(moment, who: str | None, source: str | None, changes: list, lang: str, *, entered=False) -> dict:
    return {
        "moment": moment,
        "who": who or "–",
        "source": source_label(source, lang) if source else "–",
        "changes": changes,
        "entered": entered,
    }


def _household_entries(household_id: int, rules: dict[str, Rule], lang: str) -> list[dict]:
    """Return the entries of the household's own versions, oldest first (none for a change it cannot see)."""
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
        entry = _entry(
            version["at"], version["actor"], version["source"], changes, lang, entered=previous is None
        )
        timeline.append(entry)
        previous = shown
    return timeline


# A member's fields as the card names them; values read as on the card.
MEMBER_LABELS = {
    "name": "Member name",
    "relation": "Relation to the head",
    "sex": "Sex",
    "id_number": "ID number",
    "birth_date": "Birth date",
    "disabled": "member disabled",
    "student": "member student",
    "migrant_worker": "member migrant_worker",
    "migrant_place": "Where the migrant works",
    "left_behind_child": "member left_behind_child",
    "insured": "member insured",
}


def _member_value(key: str, value, lang: str) -> str:
    if value is not None and key in ("relation", "sex"):
        return Text(f"{key} {value}").render(lang)
    return fields.display(key, value, lang)


def _member_entries(household_id: int, rules: dict[str, Rule], lang: str) -> list[dict]:
    """Return the entries of the household's members: each added, each field changed, each removed.

    Read as the card lists members (`members.versions`): names and ID numbers masked as the head's,
    nothing at all where the role may not see the member list.
    """
    found = []
    for _member, versions in itertools.groupby(members.versions(household_id, rules), key=lambda v: v["id"]):
        versions = list(versions)
        previous = None
        for version in versions:
            shown = {k: version[k] for k in MEMBER_LABELS if k in version}
            who = Text(
                "member {name}",
                name=shown.get("name") or _member_value("relation", version["relation"], lang),
            )
            label = who.render(lang)
            if previous is None:
                changes = [(label, "–", Text("added").render(lang))]
            else:
                changes = [
                    (
                        f"{label} · {Text(MEMBER_LABELS[k]).render(lang)}",
                        _member_value(k, previous[k], lang),
                        _member_value(k, value, lang),
                    )
                    for k, value in shown.items()
                    if value != previous[k]
                ]
            if changes:
                found.append(_entry(version["at"], version["actor"], version["source"], changes, lang))
            previous = shown
        last = versions[-1]
        if last["until"] is not None:
            changes = [(label, Text("on file").render(lang), Text("removed").render(lang))]
            found.append(_entry(last["until"], last["removed_by"], last["removed_from"], changes, lang))
    return found
