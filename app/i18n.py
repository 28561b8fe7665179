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
    "Classes": "分级",
    "Print this map (PDF)": "打印本寨地图（PDF）",
    "Print": "打印",
    "Print the village atlas (PDF)": "打印本村地图集（PDF）",
    "classes quantile": "分位数",
    "classes jenks": "自然断点",
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
    "Import households": "导入农户",
    "Column mapping (one per line, 列名=field)": "列名对应（每行一个，列名=字段）",
    "Fields": "字段",
    "Import the valid rows (default: all or nothing)": "只导入无误的行（默认：有错则全部不导入）",
    "Coordinates are GCJ-02 (AMap, Tencent): convert them": "坐标为 GCJ-02（高德、腾讯）：转换",
    "Fix swapped longitude and latitude": "自动纠正经纬度颠倒",
    "Household spreadsheet (.xlsx, .csv in UTF-8 or GBK)": "农户表（.xlsx，或 UTF-8 / GBK 编码的 .csv）",
    "Preview": "预览",
    "Column": "列",
    "Field": "字段",
    "ignored": "忽略",
    "Row": "行",
    "Import": "导入",
    "Choose another file": "选择其他文件",
    "Imported": "已导入",
    "Nothing imported": "未导入任何数据",
    "inserted": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "rejected": "拒绝",
    "Download the rejected rows (XLSX)": "下载被拒绝的行（XLSX）",
    "Import another file": "导入其他文件",
    "Problems": "问题",
    "File": "文件",
    "Value": "值",
    "Reason": "原因",
    "Importing… you may close this tab; the import goes on.": "正在导入……可以关闭此页面，导入会继续进行。",
    "The import failed; nothing was written.": "导入失败，未写入任何数据。",
    "Import boundaries": "导入边界",
    "Boundary file (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ)": (
        "边界文件（Shapefile 压缩包、GeoPackage、GeoJSON、KML/KMZ）"
    ),
    "Features are": "要素类型",
    "CRS when the file states none": "文件未注明时的坐标系",
    "no CRS": "无坐标系",
    "Repaired polygons": "已修复的多边形",
    "Overlaps and gaps": "重叠与缝隙",
    "Overlap": "重叠",
    "Gap": "缝隙",
    # Printing (app/printing)
    "Township atlas": "乡镇地图集",
    "A cover, an index map and one page per natural village; printed in the background.": (
        "封面、索引图，每个自然寨一页；在后台生成。"
    ),
    "Paper": "纸张",
    "Orientation": "方向",
    "automatic": "自动",
    "portrait": "纵向",
    "landscape": "横向",
    "Head of household": "户主",
    "masked": "部分隐藏",
    "shown": "显示",
    "omitted": "不显示",
    "Household tables": "农户名册",
    "Print atlas": "生成地图集",
    "Recent jobs": "最近的任务",
    "Print job": "打印任务",
    "queued": "排队中",
    "running": "生成中",
    "done": "已完成",
    "failed": "失败",
    "natural villages": "个自然寨",
    "Download the PDF": "下载 PDF",
    "This page refreshes itself; you may close it and come back later.": (
        "本页会自动刷新；可关闭后再回来查看。"
    ),
    "Job": "任务",
    "atlas": "地图集",
    "export": "导出",
    "import": "导入",
    "layers": "个图层",
    "steps": "步",
    "Download the file": "下载文件",
    "Export in the background": "后台导出",
    "Layer": "图层",
    "Format": "格式",
    "Queue the export": "排队导出",
    "Legend and details": "图例与详情",
    "Close": "关闭",
    # --- jobs ---
    "The worker running this job stopped responding at": "执行此任务的后台进程已于以下时间停止响应：",
    "The next worker takes it up again from the start; nothing of the unfinished run was kept.": (
        "下一个后台进程将从头重新执行；未完成的那次执行没有写入任何数据。"
    ),
    # --- places ---
    "Search places and households": "查找地名和农户",
    "Place name, household code or head's name": "地名、户编号或户主姓名",
    "Place name or household code (names are masked for your role)": "地名或户编号（您的角色看不到姓名）",
    "Places": "地名",
    "No place found.": "未找到地名。",
    "My villages": "我的村",
    "households": "户",
    "No village is assigned to you yet. Ask an administrator to assign your villages.": (
        "您还没有分配村。请联系管理员分配。"
    ),
    "Dashboard": "数据看板",
    "County totals": "全县合计",
    "Rankings": "排名",
    "Level": "层级",
    "Whole county": "全县",
    "Order by": "排序依据",
    "Order": "顺序",
    "Highest first": "从高到低",
    "Lowest first": "从低到高",
    "Download as XLSX": "下载 XLSX 表格",
    "Where": "所在",
    "Code": "编码",
    # --- privacy ---
    "withheld": "不公开",
    "fewer than {k} households have it, or fewer than {k} could have it and do not, "
    "or it could be worked out from the figures shown; withheld to protect the families": (
        "符合条件的户少于 {k} 户，或可能符合而不符合的户少于 {k} 户，"
        "或可由所列数字推算，为保护群众隐私不予公开"
    ),
    # --- boundaries ---
    "Layer (when the file holds several)": "图层（文件含多个图层时）",
    "Replace even so (households or units left outside a replaced unit; coordinates that look like GCJ-02)": (
        "仍然替换（即使有农户或下级单位落在被替换单位之外，或坐标疑似 GCJ-02）"
    ),
    "Warnings": "警告",
    "Notes": "说明",
    # --- hardening ---
    "{part} {name}={value}: {problem}": "{part} {name}={value}：{problem}",
    "{part} {value}: {problem}": "{part} {value}：{problem}",
    "parameter": "参数",
    "query": "查询串",
    "path segment": "路径段",
    "header": "请求头",
    "cookie": "Cookie",
    "form field": "表单字段",
    "not UTF-8 (byte {n} is 0x{byte})": "不是有效的 UTF-8 编码（第 {n} 个字节为 0x{byte}）",
    "{length:,} characters, at most {limit:,}": "长 {length:,} 个字符，最多 {limit:,} 个",
    "{length:,} parameters, at most {limit:,}": "共 {length:,} 个参数，最多 {limit:,} 个",
    "holds the control character U+{code:04X}": "含有控制字符 U+{code:04X}",
    "not a finite number": "不是有限的数值",
    "a label of {length} characters, at most 63": "其中一段长 {length} 个字符，最多 63 个",
    "not a host name": "不是有效的主机名",
    "The database cannot be reached right now; please try again shortly.": "暂时无法连接数据库，请稍后再试。",
    "The server's disk is full or unavailable; please try again later.": (
        "服务器磁盘已满或不可用，请稍后再试。"
    ),
    "Too many failed logins; try again in {seconds} seconds.": "登录失败次数过多，请 {seconds} 秒后再试。",
}


def language() -> str:
    """Return the current language code."""
    lang = session.get("lang") or current_app.config["DEFAULT_LANGUAGE"]
    return lang if lang in LANGUAGES else "zh"


def gettext(message: str) -> str:
    """Return `message` in the current language."""
    return ZH.get(message, message) if language() == "zh" else message
