"""zh-CN of people's demands (#12): the lifecycle, the map, Open311, the monthly report."""

ZH = {
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
    # --- summary ---
    "County department": "县直部门",
}
