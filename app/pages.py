"""Pages for people: drill down from the county to one household; search; the language switch."""

import datetime
import json

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from . import (
    area_maps,
    audit,
    basemap,
    disclosure,
    fields,
    file_versions,
    indicators,
    localtime,
    params,
    privacy,
    queries,
)
from .demands import map as demand_map
from .errors import AppError, not_found
from .extensions import db
from .i18n import LANGUAGES, Text, language
from .i18n import gettext as _
from .maps.choropleth import format_value
from .maps.page import Assets, base_map, bounds_of, page
from .models import RELATIONS
from .printing.render import DEFAULT_INDICATORS as PRINT_DEFAULTS
from .queries import areas, members, pairing, places, timeline
from .work_models import MEASURE_KINDS

bp = Blueprint("pages", __name__)


def local_assets() -> Assets:
    """Return Leaflet and its plugins as served by this app, so the page works with no internet."""

    def files(*paths: str):
        return tuple(
            (path.rsplit("/", 1)[-1], url_for("static", filename=f"vendor/{path}")) for path in paths
        )

    return Assets(
        js=files("leaflet/leaflet.js", "leaflet-minimap/Control.MiniMap.min.js"),
        css=files("leaflet/leaflet.css", "leaflet-minimap/Control.MiniMap.min.css"),
        plugins={
            "Fullscreen": (
                files("leaflet.fullscreen/Control.FullScreen.js"),
                files("leaflet.fullscreen/Control.FullScreen.css"),
            ),
            "MeasureControl": (
                files("leaflet-measure/leaflet-measure.min.js"),
                files("leaflet-measure/leaflet-measure.css"),
            ),
            "LocateControl": (
                files("leaflet.locatecontrol/L.Control.Locate.min.js"),
                files("leaflet.locatecontrol/L.Control.Locate.min.css"),
            ),
        },
    )


def _basemap() -> dict:
    return {"basemaps": basemap.layer_urls(), "attribution": current_app.config["BASEMAP_ATTRIBUTION"]}


def _link(endpoint: str) -> str:
    """Return the URL of `endpoint` with a literal {code} for the page's script to fill."""
    return url_for(endpoint, code="CODE").replace("CODE", "{code}")


# Per level shown: the endpoint of its children (table rows) and the level of the map's areas.
def _as_of() -> tuple[datetime.date | None, datetime.datetime | None]:
    """Return the day `?as_of=` asks for and its last moment in the county, (None, None) for now."""
    day = params.as_of(request.args, today=localtime.today())
    return day, localtime.end_of(day) if day else None


def _count(value) -> str:
    """Return a household count as a page shows it; a withheld one (None) as "withheld"."""
    return _("withheld") if value is None else f"{value:,}"


def _withheld() -> str:
    """Return what "withheld" means, with the threshold in force."""
    k = current_app.config["DISCLOSURE_MIN_COUNT"]
    return _(
        "fewer than {k} households have it, or fewer than {k} could have it and do not, "
        "or it could be worked out from the figures shown; withheld to protect the families"
    ).format(k=k)


@bp.get("/natural-villages/<code>")
@login_required
def natural_village(code: str):
    """A natural village: every household as a marker showing its flags, as the role allows (as of a day)."""
    params.only(request.args, ("indicator", "classes", "as_of"))
    day, as_of = _as_of()
    params.indicator(request.args)  # carried down from the maps above; validated, every flag is drawn
    unit = areas.area(params.code(code, what="natural village"))
    if unit is None or unit["level"] != "natural_village":
        raise not_found("natural village", code)
    detail = privacy.household_detail(current_user, unit["village_id"])
    lang = language()
    flags = privacy.household_flags(detail)
    layers: dict[str, object] = {
        "mq-outline": areas.area_geojson(unit),
        "mq-minimap": area_maps.minimap(),
    }
    rules = None
    if detail is not privacy.Detail.AGGREGATE:
        rules = privacy.field_rules(detail)
        collection = json.loads(queries.households_geojson(unit["id"], rules, flags=flags, as_of=as_of))
        for feature in collection["features"]:
            feature["properties"] = fields.readable(feature["properties"], lang)
        layers["mq-households"] = collection
        audit.record("view_households", code, detail=detail.name.lower())
        db.session.commit()
    demand_legend = demand_map.layer(unit, layers, lang=lang)
    map_page = page(base_map(bounds_of(unit), assets=local_assets(), lang=lang, **_basemap()), layers)
    legend = [
        {"key": i.key, "label": i.label(lang), "color": i.symbol, "mark": i.mark, "ink": i.mark_colour}
        for i in flags
    ]
    return render_template(
        "natural_village.html",
        area=unit,
        trail=areas.lineage(unit),
        map=map_page,
        detail=detail,
        legend=legend,
        card_labels=fields.labels(lang, rules),
        card_link=_link("pages.household") + (f"?as_of={day}" if day else ""),
        print_defaults=PRINT_DEFAULTS,
        stats=areas.natural_village_stats(unit, suppression=disclosure.for_user(current_user), as_of=as_of),
        as_of=day,
        today=localtime.today(),  # the print form's latest day
        indicators=indicators.INDICATORS,
        fmt=lambda ind, value: format_value(ind, value, lang),
        count=_count,
        withheld=_withheld(),
        demand_legend=demand_legend,
    )


@bp.get("/households/<code>")
@login_required
def household(code: str):
    """One household's card, as the role allows (as it was on `?as_of=` when asked), with its timeline."""
    params.only(request.args, ("as_of",))
    day, as_of = _as_of()

    def rules_for(village_id: int):
        detail = privacy.household_detail(current_user, village_id)
        return None if detail is privacy.Detail.AGGREGATE else privacy.field_rules(detail)

    record = areas.household(code, rules_for, as_of=as_of)
    if record is None:
        raise not_found("household", code)
    if not record["visible"]:
        raise AppError(403, "Forbidden", _("You may not see this.") + f" ({code})")
    lang = language()
    rules = privacy.field_rules(privacy.household_detail(current_user, record["village_id"]))
    notes = rules[privacy.VISIT_NOTES] is privacy.Rule.SHOW
    # Read with the record, before the audit's write sends this request's reads to the primary (#15): the
    # card, its versions and its timeline come from the same database.
    versions = file_versions.entries(record["id"], rules, lang)
    events = timeline.household_timeline(
        record["id"],
        today=localtime.today(),
        demands=privacy.may_read_demand(current_user, record["village_id"]),
        work=privacy.work_scope(current_user) is not None,
        notes=notes,
        lang=lang,
    )
    audit.record("view_household", code, **({"as_of": str(day)} if day else {}))
    # What a family asked is read here as on the demand's page, and audited alike.
    for demand in (e["ref"] for e in events if e["kind"] == "demand"):
        audit.record("view_demand", str(demand), via="household")
    db.session.commit()
    unit = areas.area(record["natural_village_code"])
    labels = fields.labels(lang)
    shown = [(label, fields.display(k, record[k], lang)) for k, label in labels.items() if k in record]
    return render_template(
        "household.html",
        record=record,
        fields=shown,
        trail=areas.lineage(unit),
        events=events,
        notes=notes,
        measures=pairing.measures(record["id"]),
        enter_measures=privacy.may_enter_measures(current_user, record["village_id"]),
        kinds=MEASURE_KINDS,
        versions=versions,
        as_of=day,
        members=members.members_of(record["id"], rules),
        edit_members=privacy.may_edit_members(current_user, record["village_id"]),
        relations=RELATIONS,
    )


def _assigned_villages() -> frozenset[int]:
    """Return the villages a cadre is assigned to (none for other roles, who see the county)."""
    return current_user.village_ids if current_user.role_name == "cadre" else frozenset()


def landing() -> str | None:
    """Return where the reader starts instead of the county, if elsewhere (#13).

    A cadre starts on their villages; a county department, which sees no household, on the
    demands assigned to it.
    """
    if _assigned_villages():
        return url_for("pages.mine")
    if privacy.demand_department(current_user) is not None:
        return url_for("demands.demands")
    return None


def start() -> str:
    """Return where the reader starts after logging in: their own page (`landing`), a leader the
    dashboard (#13: the page a county leader opens first), everyone else the county."""
    if (own := landing()) is not None:
        return own
    return url_for("dashboard.dashboard" if current_user.role_name == "leader" else "pages.overview")


@bp.get("/mine")
@login_required
def mine():
    """A cadre's own villages and their natural villages: where a cadre starts, not the county."""
    params.only(request.args, ())
    ids = _assigned_villages()
    villages = places.villages(ids)
    hamlets = places.natural_villages(ids)
    for village in villages:
        village["natural_village_rows"] = [h for h in hamlets if h["village_code"] == village["code"]]
    return render_template("mine.html", villages=villages, default_indicator=indicators.DEFAULT)


@bp.get("/search")
@login_required
def search():
    """Find places by name or code, and households by code or (where the role shows names) head's name."""
    params.only(request.args, ("q",))
    query = request.args.get("q", "").strip()  # app.entry has refused control characters and floods
    detail, villages = privacy.household_scope(current_user)
    shown = detail is not privacy.Detail.AGGREGATE
    by_name = shown and privacy.field_rules(detail)["head_name"] is privacy.Rule.SHOW
    found_places, results = [], []
    if query:
        found_places = places.search(query, limit=20)
    if query and shown:
        results = areas.search_households(
            query, rules=privacy.field_rules(detail), by_name=by_name, villages=villages, limit=50
        )
        audit.record("search", query[:100], results=len(results))
        db.session.commit()
    return render_template(
        "search.html",
        query=query,
        places=found_places,
        results=results,
        by_name=by_name,
        households_shown=shown,
    )


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        raise AppError(
            404,
            "NotFound",
            Text("language {code!r} is not offered ({offered})", code=code, offered=", ".join(LANGUAGES)),
        )
    session["lang"] = code
    back = request.referrer or ""
    return redirect(back if back.startswith(request.host_url) else url_for("pages.overview"))


# The county, township and village map pages join `bp` from their own module.
from . import area_pages  # noqa: E402, F401
