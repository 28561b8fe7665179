"""The Chinese catalogue: every English message people read, and its zh-CN.

Keys are the English text (`app.i18n.gettext`, `Text` templates, command help); a message
missing here shows in English. The core is here; the 民情 work, demands and the household file over
time have their own parts (`catalogue_zh_work`, `catalogue_zh_demands`, `catalogue_zh_file`); a key
stands in one part only.
"""

_CORE = {
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
    "Import a visit log FILE (.xlsx or .csv: 户编号, 走访干部手机号, 走访日期, …).": (
        "导入走访台账 FILE（.xlsx 或 .csv：户编号、走访干部手机号、走访日期……）。"
    ),
    "Import a cadre register FILE (姓名, 手机号, 身份, 所在村编码, 包片自然寨, 包片农户).": (
        "导入干部名册 FILE（姓名、手机号、身份、所在村编码、包片自然寨、包片农户）。"
    ),
    "Print the problems in Chinese.": "用中文列出问题。",
    "Import help measures FILE (户编号, 帮扶措施, 状态, 日期).": (
        "导入帮扶措施 FILE（户编号、帮扶措施、状态、日期）。"
    ),
    "Follow each map with its household roster.": "每张地图后附该自然寨的农户名册。",
    "Attribute encoding (default: the file's; without .cpg, UTF-8 if the text is UTF-8, else GB18030).": (
        "属性编码（默认按文件所述；无 .cpg 时，文本是 UTF-8 则按 UTF-8，否则按 GB18030）。"
    ),
    "The layer to import from a file holding several.": "文件含多个图层时，要导入的图层。",
    "Coordinates are GCJ-02 (AMap/Tencent): convert them.": "坐标为 GCJ-02（高德/腾讯），导入时转换。",
    "Import even so: replacements leaving households or child units outside, GCJ-02-looking files.": (
        "仍然导入：即使替换后有农户或下级单位落在外面，或坐标疑似 GCJ-02。"
    ),
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
    # --- zh ---
    # Refusals (app/errors.py): templates of `Text`, and the kinds of thing not found.
    "parameter {name}={value!r}: {expected}": "参数 {name}={value!r} 无效：{expected}",
    "one of {options}": "应为以下之一：{options}",
    "{digits} digits expected": "应为 {digits} 位数字",
    "0 to {top}": "应在 0 到 {top} 之间",
    "0 to {top} at zoom {z}": "第 {z} 级应在 0 到 {top} 之间",
    "the key the form was given (16–64 letters, digits, - or _)": (
        "应为表单给出的键（16–64 个字母、数字、- 或 _）"
    ),
    "a tile of the XYZ grid, zoom 0 to {top}": "应为 XYZ 网格中的瓦片，级别 0 到 {top}",
    "CRS84, EPSG:4490 or EPSG:4534 … EPSG:4554": "应为 CRS84、EPSG:4490 或 EPSG:4534 … EPSG:4554",
    "{what} code": "{what}代码（{key}）",  # the key as the request names it
    "{what} {code!r} does not exist": "{what} {code!r} 不存在",
    "natural village": "自然寨",
    "household": "农户",
    "job": "任务",
    "township or village": "乡镇或行政村",
    "collection": "要素集",
    "unknown parameter {name!r} (accepted: {known})": "未知参数 {name!r}（可用参数：{known}）",
    "none": "无",
    "TIANDITU_KEY is not set; ask the administrator": "未设置天地图密钥 TIANDITU_KEY，请联系管理员",
    "Tianditu tile {tile}: {reason}": "天地图瓦片 {tile} 无法获取：{reason}",
    "language {code!r} is not offered ({offered})": "不提供语言 {code!r}（可选：{offered}）",
    "job {id} is {status}, not done": "任务 {id} {status}，尚未完成",
    "job {id} has no file ({why})": "任务 {id} 没有文件（{why}）",
    "none was made": "未生成文件",
    "layer {layer!r} does not exist (one of {layers})": "图层 {layer!r} 不存在（可选：{layers}）",
    "format {fmt!r} is not offered (one of {formats})": "不提供格式 {fmt!r}（可选：{formats}）",
    "only administrators and village cadres import households": "只有管理员和驻村干部可以导入农户",
    "upload {token!r} does not exist": "上传的文件 {token!r} 不存在",
    "mapping line {line!r}: 列名=field expected, field one of {fields}": (
        "列名对应 {line!r} 有误：应为 列名=字段，字段为以下之一：{fields}"
    ),
    "no file was sent (field 'file')": "没有收到文件（字段 file）",
    "file {name!r}: {expected} expected": "文件 {name!r} 的类型不对：应为 {expected}",
    "only administrators import boundaries": "只有管理员可以导入边界",
    "level {level!r}: {expected} expected": "要素类型 {level!r} 有误：应为 {expected} 之一",
    "households of natural village {code!r} are outside your villages; "
    "its counts are in /api/townships/<code>/natural-villages": (
        "自然寨 {code!r} 的农户不在您的包村范围内；汇总数据见 /api/townships/<code>/natural-villages"
    ),
    "1 (with the household table) or 0": "应为 1（附农户名册）或 0",
    "comma-separated, of {keys}": "应为以下标识，用逗号分隔：{keys}",
    "households of {what} {code!r} are outside your villages; you may not print them": (
        "{what} {code!r} 的农户不在您的包村范围内，不能打印"
    ),
    "indicator {keys} is not shown per household to your role": "您的角色不能按户查看指标 {keys}",
    "shown (if your role may)": "显示（角色允许时）",
    # The export page's layers and formats (app/exports TITLES).
    "Townships (polygons)": "乡镇（面）",
    "Villages (polygons)": "行政村（面）",
    "Natural villages (polygons)": "自然寨（面）",
    "Households (points)": "农户（点）",
    "All four layers": "全部四个图层",
    "GeoPackage (for QGIS)": "GeoPackage（QGIS 用）",
    "Shapefile (zipped)": "Shapefile（压缩包）",
    "CSV (table for programs)": "CSV（供程序读取的表格）",
    "KML (Ovi Map, Google Earth)": "KML（奥维互动地图、谷歌地球）",
    "XLSX (Excel table)": "XLSX（Excel 表格，中文表头）",
    "Coordinate reference system": "坐标系",
    # Command-line help (app/cli.py `bilingual`), keyed by the English help.
    "Generate a synthetic county and load it, replacing the current one (one transaction).": (
        "生成一个合成的演示县并载入，替换现有数据（一个事务）。"
    ),
    "Households to generate.": "要生成的户数。",
    "Random seed; the same seed gives the same county.": "随机种子；同一种子生成同一个县。",
    "Do nothing when a county is already loaded.": "已载入数据时什么也不做。",
    "Create one demo user per role, printing each new password once.": (
        "为每个角色创建一个演示用户，新密码只显示一次。"
    ),
    "Manage users.": "管理用户。",
    "Create USERNAME with a role (and villages, for a cadre).": (
        "创建用户 USERNAME 并指定角色（驻村干部还要指定行政村）。"
    ),
    "The user's role.": "用户的角色。",
    "Village code a cadre works in (repeatable).": "驻村干部所在行政村的代码（可重复）。",
    "Name shown in the page header.": "页面顶部显示的姓名。",
    "The password (asked for twice when not given).": "密码（未给出时提示输入两次）。",
    "Set USERNAME's password.": "设置用户 USERNAME 的密码。",
    "Manage API tokens.": "管理 API 令牌。",
    "Issue an API token for USERNAME and print it once.": "为用户 USERNAME 签发 API 令牌，令牌只显示一次。",
    "What the token is for, e.g. 'QGIS on the GIS office PC'.": "令牌的用途，如“GIS 办公室电脑上的 QGIS”。",
    "Expire after this many days.": "多少天后失效。",
    "Print maps as PDF (audited like prints from the web).": "打印 PDF 地图（与网页打印一样记入审计日志）。",
    "Print natural village CODE's map (and household table) to --out.": (
        "把自然寨 CODE 的地图（和农户名册）打印到 --out 文件。"
    ),
    "Print the atlas of village or township CODE to --out: cover, index map, a page per natural village.": (
        "把行政村或乡镇 CODE 的地图集打印到 --out 文件：封面、索引图、每个自然寨一页。"
    ),
    "Print as this user (their role applies).": "以该用户的身份打印（按其角色的权限）。",
    "PDF file.": "输出的 PDF 文件。",
    "Paper size.": "纸张大小。",
    "Page orientation.": "纸张方向。",
    "Heads' names shown, masked or omitted (at most what the role may see).": (
        "户主姓名：显示、部分隐藏或不显示（不超过角色允许的范围）。"
    ),
    "Comma-separated flags, e.g. dibao,wubao.": "要标注的标识，用逗号分隔，如 dibao,wubao。",
    "Add the household table.": "附上农户名册。",
    "Follow each map with its household table.": "每幅地图后附上农户名册。",
    "Run queued jobs (atlases, exports, imports from the web), printing their progress.": (
        "运行排队的后台任务（网页提交的地图集、导出、导入），并显示进度。"
    ),
    "Stop when the queue is empty instead of waiting for more.": "队列为空时退出，不再等待新任务。",
    "Seconds between looks at the queue.": "查看队列的间隔秒数。",
    "Remove finished jobs' files and unused uploads older than DAYS (the jobs' records stay).": (
        "删除 DAYS 天前已结束任务的文件和未使用的上传文件（任务记录保留）。"
    ),
    "Keep files this recent.": "保留最近这么多天的文件。",
    "Import data files.": "导入数据文件。",
    "Import a household spreadsheet FILE (.xlsx, .csv in UTF-8 or GBK).": (
        "导入农户表 FILE（.xlsx，或 UTF-8 / GBK 编码的 .csv）。"
    ),
    "列名=field for a header not recognised (repeatable).": (
        "为无法识别的列名指定字段，写作 列名=字段（可重复）。"
    ),
    "Import the valid rows; by default any problem imports nothing.": (
        "只导入无误的行；默认有任何问题则全部不导入。"
    ),
    "Coordinates are GCJ-02 (AMap/Tencent): convert to CGCS2000.": (
        "坐标为 GCJ-02（高德、腾讯）：转换为 CGCS2000。"
    ),
    "Swap longitude and latitude where they are swapped.": "自动纠正颠倒的经纬度。",
    "Write rejected rows here (.xlsx).": "把被拒绝的行写入此文件（.xlsx）。",
    "Language of the problems' reasons.": "问题原因所用的语言。",
    "Import boundaries FILE (zipped Shapefile, GeoPackage, GeoJSON, KML/KMZ).": (
        "导入边界文件 FILE（Shapefile 压缩包、GeoPackage、GeoJSON、KML/KMZ）。"
    ),
    "What the features are.": "要素的级别（自然寨、行政村或乡镇）。",
    "CRS to assume when the file states none, e.g. EPSG:4545.": (
        "文件未注明坐标系时采用的坐标系，如 EPSG:4545。"
    ),
    "Attribute holding the code (default: code, 编码, …).": "存放代码的属性字段（默认：code、编码 等）。",
    "Attribute holding the name (default: name, 名称, …).": "存放名称的属性字段（默认：name、名称 等）。",
    "Attribute encoding (default: the file's; GBK without .cpg).": (
        "属性编码（默认按文件所注；无 .cpg 时为 GBK）。"
    ),
    "Import the acceptable features; by default any problem imports nothing.": (
        "只导入合格的要素；默认有任何问题则全部不导入。"
    ),
    "Export LAYER (or 'all') as the given user may see it.": (
        "按指定用户可见的内容导出图层 LAYER（或 all：全部图层）。"
    ),
    "File format.": "文件格式。",
    "Export what this user may see (and audit it so).": "导出该用户可见的内容（并以其名义记入审计日志）。",
    "Output CRS: CRS84, EPSG:4490 or EPSG:4534 … EPSG:4554.": (
        "输出坐标系：CRS84、EPSG:4490 或 EPSG:4534 … EPSG:4554。"
    ),
    "File to write.": "要写入的文件。",
    "Language of an XLSX's headers.": "表头和文字所用的语言（XLSX）。",
    # Werkzeug's and Flask-WTF's sentences, as they reach app/errors.py.
    "The browser (or proxy) sent a request that this server could not understand.": "服务器无法理解此请求。",
    "The server could not verify that you are authorized to access the URL requested. You either supplied "
    "the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the "
    "credentials required.": "服务器无法确认您有权访问此网址：用户名或密码可能有误。",
    "You don't have the permission to access the requested resource. It is either read-protected or not "
    "readable by the server.": "您无权访问此内容。",
    "The requested URL was not found on the server. If you entered the URL manually please check your "
    "spelling and try again.": "没有这个网址。如果是手动输入的，请检查拼写后重试。",
    "The method is not allowed for the requested URL.": "此网址不接受这种请求方式。",
    "The data value transmitted exceeds the capacity limit.": "上传的数据超过了大小限制。",
    "The server encountered an internal error and was unable to complete your request. Either the server "
    "is overloaded or there is an error in the application.": (
        "服务器内部出错，未能完成请求；请稍后重试或联系管理员。"
    ),
    "The requested URL is no longer available on this server and there is no forwarding address. If you "
    "followed a link from a foreign page, please contact the author of this page.": "此网址已不再可用。",
    "This user has exceeded an allotted request count. Try again later.": "请求次数过多，请稍后再试。",
    "The CSRF token is missing.": "表单缺少 CSRF 令牌，请刷新页面后重试。",
    "The CSRF session token is missing.": "会话中没有 CSRF 令牌，请刷新页面后重试。",
    "The CSRF token has expired.": "CSRF 令牌已过期，请刷新页面后重试。",
    "The CSRF token is invalid.": "CSRF 令牌无效，请刷新页面后重试。",
    "The CSRF tokens do not match.": "CSRF 令牌不匹配，请刷新页面后重试。",
    "The referrer header is missing.": "请求缺少 Referer 头，请从本站页面提交。",
    "The referrer does not match the host.": "请求的 Referer 与本站不符，请从本站页面提交。",
    # --- light ---
    "county, township or village": "县、乡镇或行政村",
    "the data version the page gives": "页面给出的数据版本",
}


# The capabilities' own catalogues, one key once across them all.
from . import catalogue_zh_demands, catalogue_zh_file, catalogue_zh_work  # noqa: E402

_PARTS = (_CORE, catalogue_zh_work.ZH, catalogue_zh_demands.ZH, catalogue_zh_file.ZH)
ZH = {key: value for part in _PARTS for key, value in part.items()}
if len(ZH) != sum(len(part) for part in _PARTS):
    raise ValueError("a key of the Chinese catalogue stands in two of its parts")
