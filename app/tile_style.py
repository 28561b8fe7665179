"""The vector tiles' style, defined once as rules that both MapLibre (`/tiles/style.json`) and QGIS draw.

QGIS 3.22's Mapbox GL converter skips `step` and `case` expressions (one colour for
everything), so a class is never an expression here: each class is its own rule
whose filter is plain comparisons of one attribute (`<`, `>=`, `==`, `has`, `!has`),
which that converter, MapLibre and QGIS expressions all read. Rules are listed
bottom first; where several flag rules match a household, the registry's first
flag is drawn on top, like the web map's marker colour. Each flag also draws its chip (a square
of its colour carrying its mark, `indicators.Indicator.mark`) in its slot right of the house, so
flags are told apart without colour: MapLibre draws chips from the sprite (`app.sprites`), QGIS
from the same symbol its GeoPackage styles use.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from . import indicators
from .maps.choropleth import NO_DATA, Classes

Condition = tuple[str, str, object]  # (operator, attribute, value); `has`/`!has` take no value


@dataclass(frozen=True)
class Rule:
    """Features of one tile layer matching every condition of `where`, drawn in `color`."""

    id: str
    layer: str  # the tile layer (MVT layer, `source-layer`)
    kind: str  # "fill", "line", "circle" or "chip"
    color: str
    label: str
    where: tuple[Condition, ...] = ()
    minzoom: int | None = None
    width: float = 0.0  # of a line, in pixels
    flag: indicators.Indicator | None = None  # whose chip a "chip" rule draws


# A chip's side in CSS pixels on MapLibre maps (the sprite draws it at this size and twice it).
CHIP_PX = 12


def value_attribute(indicator: indicators.Indicator) -> str:
    """Return the tile attribute an area is classed by: the share, or the mean."""
    return f"{indicator.key}_share" if indicator.kind == "share" else indicator.key


def class_rules(classes: Classes) -> list[Rule]:
    """Return one fill rule per class of natural villages, plus one for those without a value.

    A class holds the values from its lower break (included) to the next break (excluded),
    as `Classes.color` decides on the web map.
    """
    indicator = classes.indicator
    key = value_attribute(indicator)
    rules = [
        Rule(
            "natural_villages_no_data",
            "natural_villages",
            "fill",
            NO_DATA,
            "无数据 No data",
            (("!has", key, None),),
        )
    ]
    breaks = classes.breaks
    for n, legend in enumerate(classes.legend):
        where: tuple[Condition, ...] = ()
        if n > 0:
            where += ((">=", key, breaks[n - 1]),)
        if n < len(breaks):
            where += (("<", key, breaks[n]),)
        label = f"{indicator.zh} {legend.low:.4g} – {legend.high:.4g}"
        rules.append(
            Rule(
                f"natural_villages_{n}",
                "natural_villages",
                "fill",
                legend.color,
                label,
                where or (("has", key, None),),
            )
        )
    return rules


def household_rules(flags: Sequence[indicators.Indicator], *, minzoom: int) -> list[Rule]:
    """Return the household rules: every point white, then one rule per flag, the first flag on top,
    then each marked flag's chip in its slot."""
    rules = [Rule("households", "households", "circle", "#ffffff", "农户 Households", minzoom=minzoom)]
    for flag in reversed(flags):
        rules.append(
            Rule(
                f"households_{flag.key}",
                "households",
                "circle",
                flag.symbol,
                f"{flag.zh} {flag.en}",
                (("==", flag.key, True),),
                minzoom=minzoom,
            )
        )
    for flag in flags:
        if flag in indicators.MARKED:
            label = f"{flag.mark} {flag.zh} {flag.en}"
            where = (("==", flag.key, True),)
            rules.append(
                Rule(f"chips_{flag.key}", "households", "chip", flag.symbol, label, where, minzoom, flag=flag)
            )
    return rules


def rules(classes: Classes, flags: Sequence[indicators.Indicator], *, point_min_zoom: int) -> list[Rule]:
    """Return every rule of the tiles' style in drawing order, bottom first.

    Parameters
    ----------
    classes
        The natural villages' classes (the web map's quantiles of the default indicator).
    flags
        The indicators household points are coloured by (those the reader's role may see).
    point_min_zoom
        The zoom from which tiles carry household points.
    """
    return [
        *class_rules(classes),
        Rule("villages", "villages", "line", "#777777", "行政村 Villages", width=0.8),
        Rule("townships", "townships", "line", "#333333", "乡镇 Townships", width=2),
        *household_rules(flags, minzoom=point_min_zoom),
    ]


# --- as a Mapbox GL style ----------------------------------------------------


def mapbox_filter(where: Sequence[Condition]) -> list:
    """Return `where` as a Mapbox GL filter in the legacy syntax (which QGIS 3.22 converts)."""
    parts = [[op, key] if op in ("has", "!has") else [op, key, value] for op, key, value in where]
    return parts[0] if len(parts) == 1 else ["all", *parts]


def mapbox_layer(rule: Rule, source: str) -> dict:
    """Return one Mapbox GL style layer drawing `rule` from tile source `source`."""
    layer = {"id": rule.id, "type": rule.kind, "source": source, "source-layer": rule.layer}
    if rule.minzoom is not None:
        layer["minzoom"] = rule.minzoom
    if rule.where:
        layer["filter"] = mapbox_filter(rule.where)
    if rule.kind == "fill":
        layer["paint"] = {"fill-color": rule.color, "fill-opacity": 0.8, "fill-outline-color": "#5a5a5a"}
    elif rule.kind == "line":
        layer["paint"] = {"line-color": rule.color, "line-width": rule.width}
    elif rule.kind == "chip":
        slot = indicators.MARKED.index(rule.flag) + 1
        layer["type"] = "symbol"
        layer["layout"] = {
            "icon-image": chip_image(rule.flag),
            "icon-offset": [CHIP_PX * slot, 0],
            "icon-allow-overlap": True,
            "icon-ignore-placement": True,
        }
    else:
        layer["paint"] = {
            "circle-radius": 4,
            "circle-color": rule.color,
            "circle-stroke-color": "#333333",
            "circle-stroke-width": 1,
        }
    return layer


def chip_image(flag: indicators.Indicator) -> str:
    """Return the name of `flag`'s chip in the sprite."""
    return f"chip-{flag.key}"


# --- as a QGIS expression ----------------------------------------------------


def qgis_expression(where: Sequence[Condition]) -> str:
    """Return `where` as a QGIS expression (what QGIS's own converter makes of the filter)."""
    parts = []
    for op, key, value in where:
        if op == "has":
            parts.append(f'"{key}" IS NOT NULL')
        elif op == "!has":
            parts.append(f'"{key}" IS NULL')
        elif value is True or value is False:
            parts.append(f'"{key}" IS {str(value).upper()}')
        else:
            parts.append(f'"{key}" {"=" if op == "==" else op} {value!r}')
    return " AND ".join(f"({part})" for part in parts) if len(parts) > 1 else "".join(parts)
