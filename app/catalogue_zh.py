"""The Chinese catalogue: every English message people read, and its zh-CN.

Keys are the English text (`app.i18n.gettext`, `Text` templates, command help); a message
missing here shows in English. Blocks were added per capability; keep one key once.
"""

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
    # --- work ---
    "Who I still have to visit": "我还要走访的户",
    "households due for a visit": "户待走访",
    "Due: not visited twice in the last 12 months, or not in the last 6.": (
        "待走访：近12个月走访不足两次，或近6个月未走访。"
    ),
    "Sort by where I stand": "按我所在位置排序",
    "Sorted by distance from": "按距离排序，起点",
    "The phone did not give a position.": "手机未能提供位置。",
    "Record a visit": "记录走访",
    "last visit": "上次走访",
    "never visited": "从未走访",
    "due never": "从未走访",
    "due half_year": "超过半年未走访",
    "due once": "近一年仅走访一次",
    "Everyone in your patch has been visited.": "您包片的农户都已按时走访。",
    "You are not in the cadre register; ask for ?cadre=<mobile number>.": (
        "您不在干部名册中；请用 ?cadre=手机号 查看某位干部的名单。"
    ),
    "committee": "村两委",
    "resident": "驻村干部",
    "department": "部门帮扶干部",
    "Poor households without a helper": "未结对的贫困户",
    "Poor households": "贫困户",
    "Without a helper": "未结对",
    "pairing ended": "结对已结束",
    "never paired": "从未结对",
    "Outside your villages: counts only": "不在您包村范围内：仅显示户数",
    "Every poor household has a helper.": "每户贫困户都有帮扶干部。",
    "Only a cadre in the register records visits.": "只有干部名册中的干部可以记录走访。",
    "Visit saved:": "走访已保存：",
    "No signal: visits kept on this phone, sent when the signal returns:": (
        "无信号：走访已存在本机，有信号后自动发送："
    ),
    "metres from the household: check the household.": "米，与该户位置相距较远，请核对户号。",
    "Household: number or head's name": "农户：户号或户主姓名",
    "Date": "日期",
    "Kind": "类型",
    "visit routine": "日常走访",
    "visit holiday": "节日慰问",
    "visit follow_up": "诉求回访",
    "Found": "走访情况",
    "tick housing_safe": "住房安全",
    "tick drinking_water": "饮水安全",
    "tick medical_insurance": "参加医保",
    "tick schooling": "适龄子女在校",
    "tick income_stable": "收入稳定",
    "tick demand_raised": "提出诉求",
    "Findings (short)": "情况说明（简短）",
    "Save the visit": "保存走访",
    "Date of the visit: YYYY-MM-DD expected.": "走访日期格式应为 年-月-日。",
    "The visit cannot be dated in the future.": "走访日期不能晚于今天。",
    "The visit is dated more than a year ago.": "走访日期早于一年前，请核对。",
    "Give the household's number or its head's name.": "请填写户号或户主姓名。",
    "No household has this number or head's name.": "没有该户号或户主姓名的农户。",
    "This household is not in your patch and not paired with you.": "该户不在您的包片范围内，也未与您结对。",
    "Several of your households have this name; give the number.": "您负责的农户中有多户同名，请填写户号。",
    "The position must be two numbers, longitude and latitude.": "位置应为经度和纬度两个数字。",
    "The form lost its visit id; reload the page.": "表单缺少走访编号，请刷新页面。",
    "Kind of visit: routine, holiday or follow-up.": "走访类型应为日常走访、节日慰问或诉求回访。",
    "Unknown finding ticked.": "勾选了未知的走访情况。",
    "Findings: at most 200 characters.": "情况说明最多200字。",
    "Visits": "走访帮扶",
    "Latest visits": "最近走访",
    "Cadre": "干部",
    "Visit notes are not shown for your role.": "您的角色不显示走访情况说明。",
    "Import visit logs and cadre registers": "导入走访台账和干部名册",
    "Battle map": "作战图",
    "Pairings": "结对帮扶",
    "From": "开始",
    "Until": "结束",
    "ongoing": "进行中",
    "No pairing.": "暂无结对。",
    "Holiday visit rounds": "节日走访慰问覆盖",
    "Vulnerable households (poor, dibao, wubao, elders alone, children left behind) visited in the days "
    "before each holiday:": (
        "节前走访到的重点户（贫困户、低保、五保、空巢和留守老人、留守儿童户），节前天数："
    ),
    "holiday spring_festival": "春节",
    "holiday dragon_boat": "端午",
    "holiday mid_autumn": "中秋",
    "Red where behind:": "红色表示落后：",
    "Pairing rate": "结对帮扶率",
    "Visit coverage": "走访覆盖率",
    "Measures done": "帮扶措施完成率",
    "Print (A3)": "打印（A3）",
    "Lead cadre": "负责干部",
    "Cadres": "干部数",
    "Due for a visit": "待走访户",
    "work file visits": "走访台账",
    "work file cadres": "干部名册（含包片）",
    "work file measures": "帮扶措施（六个到户）",
    "Only administrators import visit logs and cadre registers.": "只有管理员可以导入走访台账和干部名册。",
    "Visit log columns: 户编号, 走访干部手机号, 走访日期, 走访类型, 走访情况, 勾选项, 经度, 纬度. "
    "Register columns: 姓名, 单位, 手机号, 身份, 所在村编码, 包片自然寨, 包片农户.": (
        "走访台账的列：户编号、走访干部手机号、走访日期、走访类型、走访情况、勾选项、经度、纬度。"
        "干部名册的列：姓名、单位、手机号、身份、所在村编码、包片自然寨、包片农户。"
    ),
    # --- workogc ---
    "pairings and visits are not for your role; see villages for counts": (
        "您的角色不能查看逐户的结对和走访；请在行政村图层查看统计数"
    ),
    "Pairings (lines from the cadre's patch)": "结对帮扶（干部包片中心到农户的连线）",
    "Visits (points)": "走访（点）",
    "All layers you may see": "您可查看的全部图层",
    # --- pairmap ---
    "Pairing map": "结对帮扶图",
    "pairing paired": "已结对",
    "pairing unpaired": "未结对（贫困户）",
    "Lines join each helper (at their patch's centre) to the households paired with them now.": (
        "连线从帮扶干部（位于其包片中心）连到当前与其结对的农户。"
    ),
    "Households paired now": "当前结对农户",
    "Help measures": "帮扶措施",
    "Measures saved.": "帮扶措施已保存。",
    "Measure": "措施",
    "Status": "状态",
    "Save the measures": "保存帮扶措施",
    "Enter measures": "填写帮扶措施",
    "measure pairing": "结对帮扶",
    "measure industry": "产业扶持",
    "measure education": "教育培训",
    "measure housing": "危房改造",
    "measure relocation": "易地搬迁",
    "measure infrastructure": "基础设施到户",
    "status planned": "计划",
    "status under_way": "实施中",
    "status done": "已完成",
    "Only administrators and the village's cadres enter measures.": "只有管理员和本村干部可以填写帮扶措施。",
    "Unknown status: planned, under way or done expected.": "未知状态：应为计划、实施中或已完成。",
    "Date of the measure: YYYY-MM-DD expected.": "措施日期格式应为 年-月-日。",
    "The measure cannot be dated in the future.": "措施日期不能晚于今天。",
    "Measures are entered for poor households only.": "帮扶措施只针对贫困户填写。",
    "Choose a status for at least one measure.": "请至少为一项措施选择状态。",
    # --- demands ---
    "Demands": "诉求",
    "Demand": "诉求",
    "demand": "诉求",
    "Register a demand": "登记诉求",
    "Register": "登记",
    "Household number (if registered)": "户编号（在册农户）",
    "Or a person not in the registry": "或不在册的群众",
    "Person's name": "姓名",
    "Phone": "电话",
    "Longitude": "经度",
    "Latitude": "纬度",
    "Came in by": "来源",
    "Came in": "登记日期",
    "Urgency": "紧急程度",
    "Date it came in": "受理日期",
    "What is asked": "诉求内容",
    "Raised by": "诉求人",
    "Place": "位置",
    "Timeline": "办理过程",
    "State": "状态",
    "Any state": "全部状态",
    "Any kind": "全部类别",
    "village code": "行政村编码",
    "due": "办结时限",
    "overdue": "已超期",
    "due soon": "即将到期",
    "assigned to": "交办给",
    "Note": "备注",
    "More": "更多",
    "No demands.": "暂无诉求。",
    "Demands are counted only for your role.": "您的角色只能查看诉求数量。",
    "mobile, village or township code, or department": "干部手机号、村或乡镇编码、或部门名称",
    "channel reception": "书记接待",
    "channel visit": "走访",
    "channel phone": "电话",
    "channel letter": "来信",
    "urgency normal": "一般",
    "urgency urgent": "紧急",
    "state registered": "已登记",
    "state accepted": "已受理",
    "state assigned": "已交办",
    "state in_progress": "办理中",
    "state answered": "已答复",
    "state closed": "已办结",
    "state reopened": "已重新办理",
    "action register": "登记",
    "action accept": "受理",
    "action assign": "交办",
    "action progress": "办理进展",
    "action answer": "答复",
    "action close": "评价办结",
    "action reopen": "重新办理",
    "assignee cadre": "干部",
    "assignee village": "行政村",
    "assignee township": "乡镇",
    "assignee department": "县直部门",
    "rating satisfied": "满意",
    "rating basically": "基本满意",
    "rating not_satisfied": "不满意",
    "a demand number": "诉求编号",
    "the version the page showed": "页面显示的版本号",
    "at most 500 characters": "最多500字",
    "Changed by {who} meanwhile: reload the demand.": "该诉求已被{who}修改，请刷新后再操作。",
    "The demand is {state}: {action} is not possible from there.": "该诉求当前为“{state}”，不能{action}。",
    "Only a village's cadres and administrators register demands.": "只有本村干部和管理员可以登记诉求。",
    "Only the village's cadres and administrators handle demands.": "只有本村干部和管理员可以办理诉求。",
    "Date: YYYY-MM-DD expected.": "日期格式应为 YYYY-MM-DD。",
    "The date a demand came in cannot be after today.": "受理日期不能晚于今天。",
    "No household with this number.": "没有该户编号的农户。",
    "Give the household, or the name of the person raising it.": "请填写户编号，或诉求人姓名。",
    "Pick the place on the map (longitude and latitude).": "请填写位置（经度和纬度）。",
    "The point lies in no natural village of the county.": "该位置不在本县任何自然寨内。",
    "Choose a kind of demand.": "请选择诉求类别。",
    "Choose how the demand came in.": "请选择诉求来源。",
    "Choose normal or urgent.": "请选择一般或紧急。",
    "Name: at most 32 characters.": "姓名最多32字。",
    "Phone: digits only.": "电话只能包含数字。",
    "Describe the demand (at most 500 characters).": "请填写诉求内容（最多500字）。",
    "Choose whom to assign it to.": "请选择交办对象。",
    "No such assignee (a cadre's mobile, a village or township code, or a department's name).": (
        "没有该交办对象（干部手机号、村或乡镇编码、或部门名称）。"
    ),
    "Choose how satisfied the person is.": "请选择群众满意度。",
    "This place is not in your villages.": "该位置不在您负责的村。",
    # --- cadres ---
    "Cadre register": "干部名册",
    "Cadre saved.": "干部信息已保存。",
    "Cadre name": "姓名",
    "Post": "职务",
    "Cadre kind": "干部类别",
    "Unit": "单位",
    "Patch": "包片",
    "Login": "登录账号",
    "inactive": "已停用",
    "Change": "修改",
    "No cadre yet.": "尚无干部。",
    "Change cadre": "修改干部",
    "Add a cadre": "添加干部",
    "e.g. secretary, director": "如：书记、主任",
    "Active": "在岗",
    "Patch: natural villages": "包片自然寨",
    "Patch: households (codes, separated by 、)": "包片农户（户编号，以、分隔）",
    "Save the cadre": "保存干部",
    "You may not see this village's cadres.": "您无权查看该村的干部名册。",
    "Only administrators and the village's secretary change its cadres.": (
        "只有管理员和本村书记可以修改干部名册。"
    ),
    "Name: 1 to 32 characters.": "姓名应为1至32字。",
    "Unit: at most 100 characters.": "单位最多100字。",
    "Post: at most 16 characters.": "职务最多16字。",
    "Choose 村两委, 驻村干部 or 部门帮扶干部.": "请选择村两委、驻村干部或部门帮扶干部。",
    "Mobile number: 11 digits starting with 1 expected.": "手机号应为以1开头的11位数字。",
    "This mobile number belongs to another cadre.": "该手机号已属于另一名干部。",
    "A natural village of the patch is not in this village.": "包片中有不属于本村的自然寨。",
    "A household of the patch is not in this village.": "包片中有不属于本村的农户。",
    "No cadre login has this username.": "没有该用户名的干部账号。",
    "This login belongs to another cadre.": "该账号已属于另一名干部。",
    # --- overdue map ---
    "Households due for a visit": "待走访农户",
    "As a list, nearest first": "列表（由近及远）",
    "On the map": "地图",
    # --- dmap ---
    "Visits, demands and pairings": "走访、诉求与结对记录",
    "last changed": "最近办理",
    "Paired with": "结对帮扶干部",
    "Pairing ended": "结对结束",
    "Nothing yet: no visits, demands or pairings.": "暂无走访、诉求或结对记录。",
    "a date such as 2026-03-01": "日期，如 2026-03-01",
    "a date on or after since ({since})": "不早于 since 的日期（{since}）",
    "a name or mobile of at most 50 characters": "不超过 50 个字符的姓名或手机号",
    "Demands on the map": "在地图上显示诉求",
    "all": "全部",
    "Raised from": "提出日期自",
    "Raised until": "提出日期至",
    "Assignee": "交办对象",
    "state open": "未办结",
    "open": "未办结",
    "Circles: demands per natural village, red when some are overdue; points from zoom {zoom}.": (
        "圆圈：各自然寨诉求数，有超期的显示为红色；放大到 {zoom} 级显示单件诉求。"
    ),
    # --- open311 ---
    "channel hotline": "12345 热线",
    "Demands (points)": "群众诉求（点）",
    "demands one by one are not for your role; see the demand list for counts": (
        "您的角色不能逐条查看诉求；请在诉求列表查看统计数"
    ),
    "A county department works on and answers the demands assigned to it; nothing else.": (
        "县直部门只能办理和答复交办给本部门的诉求。"
    ),
    "Demands one by one are not for your role (counts only, as on the demand list).": (
        "您的角色不能逐条查看诉求（只能查看统计数，与诉求列表相同）。"
    ),
    "An API token is needed: Authorization: Bearer <token>, or the api_key field.": (
        "需要 API 令牌：Authorization: Bearer <令牌>，或 api_key 字段。"
    ),
    "an ISO 8601 date and time, e.g. 2026-12-01T00:00:00+08:00": (
        "ISO 8601 日期时间，如 2026-12-01T00:00:00+08:00"
    ),
    "at most 90 days after start_date": "不得晚于 start_date 之后 90 天",
    "not before start_date": "不得早于 start_date",
    "a date between the years 1 and 9999": "公元 1 年至 9999 年之间的日期",
    "demand numbers separated by commas": "以逗号分隔的诉求编号",
    "parameter {name}: {expected}": "参数 {name} 无效：{expected}",
    "format": "格式",
    "service": "诉求类别",
    "The department a department user answers demands for (as assigned).": (
        "县直部门用户所在部门（按交办对象名称）。"
    ),
    "a department user needs --department, and only a department user has one": (
        "县直部门用户必须指定 --department，其他角色不能指定"
    ),
    "a department user needs a department: create the user with --department": (
        "县直部门用户必须有所属部门：请用 --department 创建该用户"
    ),
    # --- photos ---
    "field {field}: {reason}": "字段 {field}：{reason}",
    "larger than {mib} MiB": "大于 {mib} MiB",
    "the file is empty": "文件为空",
    "a JPEG or PNG photo expected": "应为 JPEG 或 PNG 照片",
    "more than {mp} megapixels": "超过 {mp} 百万像素",
    "not an image Pillow can read": "不是可以读取的图片",
    "no photo was sent": "没有上传照片",
    "Photo taken {distance} from the household": "照片位置距农户 {distance}",
    "Photo taken on {day}, {days} days from the visit": "照片拍摄于 {day}，距走访日期 {days} 天",
    "photo flag no_location": "照片没有位置信息",
    "photo flag no_time": "照片没有拍摄时间",
    "photo flag far": "照片远离农户",
    "photo flag off_day": "照片拍摄日期与走访日期不符",
    "unknown distance": "距离未知",
    "{n} m": "{n} 米",
    "{n} km": "{n} 公里",
    "photo": "照片",
    "visit": "走访",
    "Only the cadre who recorded the visit adds its photo.": "只有记录该走访的干部可以添加照片。",
    "Photo": "照片",
    "Photos": "照片",
    "Add the photo": "添加照片",
    "Photo (JPEG or PNG, optional)": "照片（JPEG 或 PNG，可选）",
    "Photo (optional)": "照片（可选）",
    "With no signal the photo is kept on this phone and sent after its visit when the signal returns.": (
        "无信号时照片保存在本手机上，有信号后随走访记录自动发送。"
    ),
    "Photo saved:": "照片已保存：",
    "Photos waiting for signal:": "等待信号发送的照片：",
    "Visit photos flagged": "存疑走访照片",
    # --- history ---
    "As of": "截至日期",
    "As of {date}": "截至 {date}",
    "the households as they were at the end of that day; household points on the map are today's.": (
        "各户为当日结束时的情况；地图上的住户点为今天的情况。"
    ),
    "the household's file as it was at the end of that day.": "该户档案在当日结束时的情况。",
    "the households as they were at the end of that day.": "各户为当日结束时的情况。",
    "Back to today": "回到今天",
    "Changes to the file": "档案变更记录",
    "entered in the files": "录入档案",
    "web form": "网页表单",
    "import {file} (job {job})": "导入 {file}（任务 {job}）",
    "command line": "命令行",
    "demo data": "演示数据",
    "yearly check": "年度动态调整",
    "on record before history was kept": "启用变更记录前已有",
    "changed in the database directly": "直接修改数据库",
    "a date as YYYY-MM-DD": "日期，格式为 YYYY-MM-DD",
    "a date no later than today ({today})": "不晚于今天（{today}）的日期",
    # --- dreport ---
    "a month YYYY-MM from 2000 to this one": "月份格式应为 YYYY-MM，自2000年至本月",
    "The monthly report names people: only readers of all its demands get it; see the dashboard.": (
        "月度报告含群众姓名：只有可查看该地区全部诉求的用户可以获取，请查看领导看板。"
    ),
    "Monthly analysis report": "民情分析会报告",
    "Month": "月份",
    "Demand figures": "群众诉求办理情况",
    "Rates over fewer than {n} demands or ratings are withheld for your role.": (
        "不足{n}件诉求或评价的比率对您的角色不公开。"
    ),
    "Raised": "新增诉求",
    "Solved share": "办结率",
    "Satisfaction": "满意率",
    "Overdue at month end": "月末超期",
    # --- light ---
    "county, township or village": "县、乡镇或行政村",
    "the data version the page gives": "页面给出的数据版本",
    # --- members ---
    "work file members": "家庭成员表",
    (
        "Member forms: one row per person under the head's row (户编号, 姓名, 与户主关系, 性别, 身份证号, "
        "出生日期, 是否残疾, 是否在校生, 是否外出务工, 务工地点, 是否留守儿童, 是否参保), or one row per "
        "household with numbered columns (成员1姓名, 成员1与户主关系, 成员1身份证号, …). A household's "
        "members are replaced."
    ): (
        "家庭成员表：每人一行，户主行在前（户编号、姓名、与户主关系、性别、身份证号、出生日期、是否残疾、是否在校生、"
        "是否外出务工、务工地点、是否留守儿童、是否参保）；或每户一行，成员按编号分列（成员1姓名、成员1与户主关系、"
        "成员1身份证号……）。导入后该户的成员整体替换。"
    ),
    "Import household members FILE (户编号, 姓名, 与户主关系, 身份证号, …; a row per person or household).": (
        "导入家庭成员表 FILE（户编号、姓名、与户主关系、身份证号……；每人一行或每户一行）。"
    ),
    "Members": "家庭成员",
    "Member name": "姓名",
    "Relation to the head": "与户主关系",
    "Sex": "性别",
    "Age": "年龄",
    "ID number": "身份证号",
    "Circumstances": "情况",
    "Save the member": "保存成员",
    "Remove the member": "删除该成员",
    "Add a member": "添加成员",
    "No member list: the household's own counts are shown.": "尚无成员名单：显示该户自报的人数。",
    "Where the migrant works": "务工地点",
    "member disabled": "残疾",
    "member student": "在校生",
    "member migrant_worker": "外出务工",
    "member left_behind_child": "留守儿童",
    "member insured": "已参保",
    "not insured": "未参保",
    "relation head": "户主",
    "relation spouse": "配偶",
    "relation son": "子",
    "relation daughter": "女",
    "relation daughter_in_law": "儿媳",
    "relation son_in_law": "女婿",
    "relation grandson": "孙子",
    "relation granddaughter": "孙女",
    "relation father": "父亲",
    "relation mother": "母亲",
    "relation grandfather": "祖父",
    "relation grandmother": "祖母",
    "relation sibling": "兄弟姐妹",
    "relation other": "其他",
    "sex M": "男",
    "sex F": "女",
    "member": "成员",
    "Only administrators and the village's cadres edit members.": "只有管理员和本村干部可以修改家庭成员。",
    "a value is required": "必须填写",
    "at most {n} characters": "最多{n}个字",
    "the ID number's birth date, {day}": "应与身份证号中的出生日期 {day} 一致",
    "the ID number's, {sex}": "应与身份证号一致（{sex}）",
    "a left-behind child is under 16": "留守儿童应未满16周岁",
    "the household has a head already": "该户已有户主",
    # --- since ---
    "Change since": "比较日期",
    "since {date}": "较 {date}",
    "One-page summary (PDF)": "一页概况（PDF）",
}
