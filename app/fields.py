"""How a household's fields read to people: labels and values in zh-CN or English.

Outputs for programs (GeoJSON, OGC) keep raw values; pages and prints use these.
"""

from . import indicators
from .privacy import Rule

LABELS = {
    "code": ("户编码", "Household code"),
    "head_name": ("户主", "Head of household"),
    "id_number": ("身份证号", "ID number"),
    "address": ("地址", "Address"),
    "members": ("家庭人口", "Members"),
    "poverty_status": ("贫困属性", "Poverty status"),
    "dibao": ("低保", "Low-income allowance (dibao)"),
    "wubao": ("五保", "Five-guarantee (wubao)"),
    "family_planning": ("计生重点帮扶", "Family-planning assistance"),
    "left_behind_children": ("留守儿童人数", "Left-behind children"),
    "left_behind_elderly": ("留守老人", "Left-behind elderly"),
    "empty_nest_elderly": ("空巢老人", "Empty-nest elderly"),
    "disabled_members": ("残疾人数", "Disabled members"),
    "dilapidated_house": ("危房", "Dilapidated house"),
    "migrant_workers": ("外出务工人数", "Migrant workers"),
    "income_per_capita": ("人均纯收入（元）", "Income per capita (yuan)"),
    "poverty_registered_year": ("建档立卡年份", "Year registered poor"),
    "poverty_lifted_year": ("脱贫年份", "Year lifted out of poverty"),
}

POVERTY_STATUS = {
    "none": ("一般户", "Not poor"),
    "registered": ("未脱贫户", "Registered poor, not yet lifted"),
    "lifted": ("已脱贫户", "Lifted out of poverty"),
    "monitored": ("监测户", "Monitored"),
}

VISIT_KINDS = {
    "routine": ("日常走访", "Routine"),
    "holiday": ("节日慰问", "Holiday"),
    "follow_up": ("诉求回访", "Demand follow-up"),
}
# Coded values people read in words.
WORDS = {"poverty_status": POVERTY_STATUS, "kind": VISIT_KINDS}

_YES_NO = {True: ("是", "yes"), False: ("否", "no")}


def labels(lang: str, rules: dict[str, Rule] | None = None) -> dict[str, str]:
    """Return field -> label for the fields `rules` let out (all when None), in `lang`."""
    index = 0 if lang == "zh" else 1
    return {
        field: pair[index]
        for field, pair in LABELS.items()
        if rules is None or rules.get(field, Rule.SHOW) is not Rule.OMIT
    }


def display(field: str, value, lang: str) -> str:
    """Return `value` of `field` as a person reads it."""
    index = 0 if lang == "zh" else 1
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _YES_NO[value][index]
    if field in WORDS:
        return WORDS[field].get(value, (value, value))[index]
    if field == "income_per_capita":
        return f"{value:,}"
    return str(value)


def readable(properties: dict, lang: str) -> dict:
    """Return a household's properties with every labelled field made readable."""
    return {k: display(k, v, lang) if k in LABELS and k != "code" else v for k, v in properties.items()}


# Columns of exported tables besides a household's fields: (zh-CN, English).
COLUMNS = {
    "natural_village_code": ("自然寨编码", "Natural village code"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "x": ("X（米）", "X (m)"),
    "y": ("Y（米）", "Y (m)"),
    "name": ("名称", "Name"),
    "parent_code": ("上级区划代码", "Parent code"),
    "village_code": ("行政村代码", "Village code"),
    "village": ("行政村", "Village"),
    "township": ("乡镇", "Township"),
    "households": ("户数", "Households"),
    # pairings and visits (#11): WORK_COLUMNS
    "id": ("编号", "ID"),
    "cadre": ("帮扶干部", "Cadre"),
    "unit": ("单位", "Unit"),
    "household_code": ("户编码", "Household code"),
    "start": ("开始日期", "Start"),
    "end": ("结束日期", "End"),
    "current": ("当前结对", "Current"),
    "date": ("走访日期", "Date"),
    "kind": ("走访类型", "Kind"),
    "logged": ("现场定位", "Logged on site"),
    "findings": ("走访情况", "Findings"),
    "ticks": ("勾选项", "Ticks"),
    # people's demands (#12): DEMAND_COLUMNS
    "demand_kind": ("诉求类别代码", "Kind of demand (key)"),
    "demand_kind_zh": ("诉求类别", "Kind of demand"),
    "state": ("状态", "State"),
    "channel": ("来源", "Channel"),
    "urgency": ("紧急程度", "Urgency"),
    "raised_on": ("受理日期", "Came in"),
    "due_on": ("办结时限", "Due"),
    "overdue": ("超期", "Overdue"),
    "assignee_kind": ("交办对象类型", "Assignee kind"),
    "assignee": ("交办对象", "Assignee"),
    "rating": ("满意度", "Rating"),
    "updated_at": ("最近办理", "Last changed"),
    "person_name": ("诉求人", "Raised by"),
    "description": ("诉求内容", "Description"),
    "photo": ("照片", "Photo"),
    "photo_flags": ("照片提示", "Photo flags"),
}
# The columns only the pairings and visits layers carry.
WORK_COLUMNS = frozenset(
    {"id", "cadre", "unit", "household_code", "start", "end", "current", "date", "kind", "logged"}
    | {"findings", "ticks", "photo", "photo_flags"}
)
# The columns only the demands layer carries (with id, household_code, natural_village_code, village_code).
DEMAND_COLUMNS = frozenset(
    {"demand_kind", "demand_kind_zh", "state", "channel", "urgency", "raised_on", "due_on", "overdue"}
    | {"assignee_kind", "assignee", "rating", "updated_at", "person_name", "description"}
)
# What a code column holds, per layer.
CODES = {
    "households": LABELS["code"],
    "natural_villages": ("自然寨编码", "Natural village code"),
    "villages": ("区划代码", "Division code"),
    "townships": ("区划代码", "Division code"),
}
CENTRE = ("中心点", "centre ")
POINT_LAYERS = ("households", "visits", "demands")  # their lon/lat are the point's, other layers' a centre's


def exported_columns(layer: str) -> set[str]:
    """Return every column an exported `layer` may carry."""
    columns = {"code", *COLUMNS, *indicators.BY_KEY}
    if layer not in ("pairings", "visits"):
        columns -= WORK_COLUMNS
    if layer != "demands":
        columns -= DEMAND_COLUMNS
    else:
        columns |= {"id", "household_code", "natural_village_code"}
    # An indicator's columns besides its count or mean: its share, and whether its count is withheld.
    columns |= {i.key + "_share" for i in indicators.INDICATORS if i.kind == "share"}
    columns |= {i.key + "_suppressed" for i in indicators.INDICATORS if i.sensitive}
    if layer == "households":
        return columns | set(LABELS)
    if layer == "demands":
        return columns
    return columns - {"natural_village_code"}  # a natural village's own code has that header


def column_names(layer: str, lang: str) -> dict[str, str]:
    """Return header → column for every column an exported `layer` may carry: `column_label` undone."""
    return {column_label(layer, column, lang): column for column in exported_columns(layer)}


def column_label(layer: str, column: str, lang: str) -> str:
    """Return the header people read for `column` of an exported `layer`.

    Household fields and places have their own labels; an indicator's count,
    share or mean is named after the registry's label (建档立卡户数, 建档立卡户占比).
    """
    index = 0 if lang == "zh" else 1
    if column == "code" and layer in CODES:
        return CODES[layer][index]
    if column in LABELS and layer == "households":
        return LABELS[column][index]
    if column in COLUMNS:
        label = COLUMNS[column][index]
        centred = layer not in POINT_LAYERS and column in ("lon", "lat", "x", "y")
        return CENTRE[index] + label if centred else label
    if column.endswith("_suppressed") and column[: -len("_suppressed")] in indicators.BY_KEY:
        label = indicators.BY_KEY[column[: -len("_suppressed")]].label(lang)
        return f"{label}数不公开" if lang == "zh" else f"{label} withheld"
    key, share = (column[: -len("_share")], True) if column.endswith("_share") else (column, False)
    if key in indicators.BY_KEY:
        indicator = indicators.BY_KEY[key]
        label = indicator.label(lang)
        if indicator.kind == "mean":
            unit = indicator.unit_zh if lang == "zh" else indicator.unit_en
            return f"{label}（{unit}）" if lang == "zh" else f"{label} ({unit})"
        if share:
            return label + ("占比" if lang == "zh" else " share")
        return label + ("数" if lang == "zh" else " (households)")
    return column
