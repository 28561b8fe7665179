"""What a user may print, gathered and rendered: the layer between views/CLI and the renderer.

Privacy is decided here, once for HTTP and the command line: a cadre prints
only households in assigned villages (as on screen), names are at least as
private as the role's screen view (the `names` option can only hide more),
and sensitive indicators are drawn per household only for roles that see
them. Nothing here knows about Flask requests; callers write the audit event.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .. import indicators, localtime, params, privacy
from ..errors import AppError, bad_parameter, not_found, one_of
from ..i18n import Text
from ..privacy import Detail, Rule
from ..queries import printing as queries
from . import render

# How private each `names` option is; a print uses the stricter of the option and the role.
_NAMES_RULE = {"shown": Rule.SHOW, "masked": Rule.MASK, "omitted": Rule.OMIT}
_RULE_NAMES = {rule: name for name, rule in _NAMES_RULE.items()}
_STRICTNESS = (Rule.SHOW, Rule.MASK, Rule.OMIT)

OPTIONS = ("paper", "orientation", "names", "table", "indicators", "as_of")


@dataclass(frozen=True)
class Options:
    """Layout choices of a print; `indicators` None means the defaults the role may see."""

    paper: str = "A4"
    orientation: str = "auto"
    # Names as the role shows them on screen: the stricter of this and the role applies.
    names: str = "shown"
    table: bool = True
    indicators: tuple[str, ...] | None = None
    as_of: date | None = None  # the households, flags and roster as they were at the end of this day


def parse_options(args: Mapping[str, str], *, table: bool = True) -> Options:
    """Return print options from query-string style `args`, rejecting a bad value by name.

    Parameters
    ----------
    args
        ``paper`` (A4, A3), ``orientation`` (auto, portrait, landscape), ``names`` (masked,
        shown, omitted), ``table`` (1/0), ``indicators`` (comma-separated flag keys), ``as_of``
        (YYYY-MM-DD, no later than today).
    table
        The default of ``table``.
    """
    paper = args.get("paper", "A4").upper()
    if paper not in render.PAPERS:
        raise bad_parameter("paper", args["paper"], one_of(render.PAPERS))
    orientation = args.get("orientation", "auto")
    if orientation not in render.ORIENTATIONS:
        raise bad_parameter("orientation", orientation, one_of(render.ORIENTATIONS))
    names = args.get("names", "shown")
    if names not in render.NAMES:
        raise bad_parameter("names", names, one_of(render.NAMES))
    flag = args.get("table", "1" if table else "0")
    if flag not in ("0", "1"):
        raise bad_parameter("table", flag, Text("1 (with the household table) or 0"))
    keys = None
    if "indicators" in args:
        keys = tuple(k.strip() for k in args["indicators"].split(",") if k.strip())
        unknown = [k for k in keys if k not in render.COLOURS]
        if not keys or unknown:
            raise bad_parameter(
                "indicators",
                args["indicators"],
                Text("comma-separated, of {keys}", keys=", ".join(render.COLOURS)),
            )
    return Options(
        paper=paper,
        orientation=orientation,
        names=names,
        table=flag == "1",
        indicators=keys,
        as_of=params.as_of(args, today=localtime.today()),
    )


def _refuse(what: str, code: str) -> AppError:
    return AppError(
        403,
        "Forbidden",
        Text(
            "households of {what} {code!r} are outside your villages; you may not print them",
            what=Text(what),
            code=code,
        ),
    )


def _rules(detail: Detail, names: str) -> tuple[dict[str, Rule], str]:
    """Return the field rules at `detail` with head names made as private as `names` asks, and the outcome."""
    rules = privacy.field_rules(detail)
    rule = max(rules["head_name"], _NAMES_RULE[names], key=_STRICTNESS.index)
    # An address names a family as well as a name does: a print without clear names has none.
    address = rules["address"] if rule is Rule.SHOW else Rule.OMIT
    return {**rules, "head_name": rule, "address": address}, _RULE_NAMES[rule]


def _indicator_keys(detail: Detail, requested: Sequence[str] | None) -> tuple[str, ...]:
    """Return the flags to draw: the requested ones (refusing any the role may not see), or defaults."""
    allowed = [
        k
        for k in render.COLOURS
        if privacy.may_see_indicator_at_household_level(detail, indicators.BY_KEY[k])
    ]
    if requested is None:
        return tuple(k for k in render.DEFAULT_INDICATORS if k in allowed)
    hidden = [k for k in requested if k not in allowed]
    if hidden:
        raise AppError(
            403,
            "Forbidden",
            Text("indicator {keys} is not shown per household to your role", keys=", ".join(hidden)),
        )
    return tuple(requested)


def printed_by(user) -> str:
    """Return how the footer names `user`."""
    name = getattr(user, "display_name", "") or ""
    return f"{name} ({user.username})" if name and name != user.username else user.username


def _add_households(sheet: dict, detail: Detail, options: Options) -> tuple[tuple[str, ...], str]:
    """Put into `sheet` its households as `detail` and `options` allow; return the flags and names used."""
    rules, names = _rules(detail, options.names)
    keys = _indicator_keys(detail, options.indicators)
    sheet["households"] = queries.households_for_print(
        sheet["id"],
        rules,
        srid=sheet["srid"],
        only=[indicators.BY_KEY[k] for k in keys],
        as_of=options.as_of,
    )
    return keys, names


def natural_village_pdf(
    user, code: str, options: Options, *, now: datetime | None = None
) -> tuple[bytes, dict]:
    """Return a natural village's printed map for `user` and the audit detail of printing it.

    Raises
    ------
    AppError
        404 when there is no such natural village; 403 when `user` may not see its households
        or asked for an indicator the role does not see per household.
    """
    sheet = queries.natural_village_sheet(code)
    if sheet is None:
        raise not_found("natural village", code)
    detail = privacy.household_detail(user, sheet["village_id"])
    if detail is Detail.AGGREGATE:
        raise _refuse("natural village", code)
    keys, names = _add_households(sheet, detail, options)
    pdf = render.village_pdf(
        sheet,
        paper=options.paper,
        orientation=options.orientation,
        indicators=keys,
        names=names,
        table=options.table,
        printed_by=printed_by(user),
        printed_at=(now or datetime.now(UTC)).astimezone(localtime.zone()),
        as_of=options.as_of,
    )
    audit = {
        "kind": "natural_village",
        "name": sheet["name"],
        "paper": options.paper,
        "orientation": options.orientation,
        "names": names,
        "table": options.table,
        "indicators": list(keys),
        "households": len(sheet["households"]),
        "detail": detail.name.lower(),
        **_as_of_detail(options),
    }
    return pdf, audit


def atlas_scope(user, code: str, *, levels: Sequence[str]) -> tuple[dict, dict[int, Detail]]:
    """Return the atlas index of `code` and the detail `user` sees per village; refuse the unprintable.

    Raises
    ------
    AppError
        404 when there is no such unit at `levels`; 403 when any of its villages' households are
        outside what `user` may see.
    """
    index = queries.atlas_index(code)
    if index is None or index["level"] not in levels:
        raise not_found(" or ".join(levels), code)
    villages = {v["village_id"] for v in index["natural_villages"]}
    details = {village: privacy.household_detail(user, village) for village in villages}
    if not details or Detail.AGGREGATE in details.values():
        raise _refuse(index["level"], code)
    return index, details


def atlas_pdf(
    user,
    code: str,
    options: Options,
    *,
    now: datetime | None = None,
    levels: Sequence[str] = ("village",),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bytes, dict]:
    """Return the atlas of a village's (or township's) natural villages for `user`, and its audit detail.

    Parameters
    ----------
    levels
        The administrative levels `code` may name ("village"; the CLI also allows "township").
    progress
        Called with (natural villages gathered, all of them) as the data is read.

    Raises
    ------
    AppError
        404 when there is no such unit at `levels`; 403 when any of its villages' households are
        outside what `user` may see.
    """
    index, details = atlas_scope(user, code, levels=levels)
    sheets, keys, names = [], (), "masked"
    for village in index["natural_villages"]:
        sheet = queries.natural_village_sheet(village["code"], srid=index["srid"])
        keys, names = _add_households(sheet, details[village["village_id"]], options)
        sheets.append(sheet)
        if progress:
            progress(len(sheets), len(index["natural_villages"]))
    pdf = render.atlas_pdf(
        index,
        sheets,
        paper=options.paper,
        orientation=options.orientation,
        indicators=keys,
        names=names,
        table=options.table,
        printed_by=printed_by(user),
        printed_at=(now or datetime.now(UTC)).astimezone(localtime.zone()),
        as_of=options.as_of,
    )
    audit = {
        "kind": f"{index['level']}_atlas",
        "name": index["name"],
        "paper": options.paper,
        "orientation": options.orientation,
        "names": names,
        "table": options.table,
        "indicators": list(keys),
        "natural_villages": len(sheets),
        "households": sum(len(s["households"]) for s in sheets),
        **_as_of_detail(options),
    }
    return pdf, audit


def _as_of_detail(options: Options) -> dict:
    return {"as_of": options.as_of.isoformat()} if options.as_of else {}


def filename(code: str, name: str, *, atlas: bool = False) -> str:
    """Return the download name of a print."""
    return f"{code}-{name}-{'atlas' if atlas else 'map'}.pdf"
