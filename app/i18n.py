"""Chinese first, English available: a message catalogue keyed by the English text.

The language is the session's choice (set by /lang/<code>), else DEFAULT_LANGUAGE.
"""

from flask import current_app, session

LANGUAGES = ("zh", "en")

ZH = {
    "Minqing Map": "民情地图",
    "People's sentiment map": "民情地图",
    "Log in": "登录",
    "Log out": "退出",
    "Username": "用户名",
    "Password": "密码",
    "Wrong username or password.": "用户名或密码错误。",
    "Please log in to see this page.": "请先登录。",
    "Your session has expired or you are not logged in.": "会话已过期或尚未登录。",
    "You may not see this.": "您无权查看此内容。",
    "County overview": "全县概览",
    "Indicator": "指标",
    "Show": "显示",
    "Township": "乡镇",
    "Village": "行政村",
    "Natural village": "自然寨",
    "Households": "户数",
    "All households": "总户数",
    "Share": "占比",
    "Mean": "平均",
    "Legend": "图例",
    "count of natural_village": "个自然寨",
    "count of village": "个行政村",
    "count of township": "个乡镇",
    "township": "乡镇",
    "village": "行政村",
    "natural_village": "自然寨",
    "Total": "合计",
    "Every indicator": "全部指标",
    "Where you are": "当前位置",
    "Name": "名称",
    "Households of this natural village are outside your villages; counts only.": (
        "该自然寨不在您的包村范围内，仅显示汇总数据。"
    ),
    "Flags": "标识",
    "Details": "详情",
    "Search households": "查找农户",
    "Search": "查找",
    "Household code, or head's name": "户编码或户主姓名",
    "Household code (names are masked for your role)": "户编码（您的角色不显示姓名）",
    "No household found.": "未找到农户。",
    "Coordinates": "坐标",
    "Household": "农户",
    "No data": "无数据",
    "No county is loaded yet. Run: flask --app app demo": "尚未加载数据。请运行：flask --app app demo",
    "Error": "错误",
    "Back to the overview": "返回概览",
    "Role": "角色",
    "admin": "管理员",
    "leader": "领导",
    "cadre": "驻村干部",
    "gis": "GIS 人员",
}


def language() -> str:
    """Return the current language code."""
    lang = session.get("lang") or current_app.config["DEFAULT_LANGUAGE"]
    return lang if lang in LANGUAGES else "zh"


def gettext(message: str) -> str:
    """Return `message` in the current language."""
    return ZH.get(message, message) if language() == "zh" else message
