"""zh-CN of the household file over time (#13): members, versions, changes since a day."""

ZH = {
    # --- history ---
    "As of": "截至日期",
    "As of {date}": "截至 {date}",
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
    # --- trends ---
    "today": "今天",
    "{indicator} at each year's end: {values}": "{indicator}历年年底：{values}",
    "Trend": "历年趋势",
    "Area": "地区",
    "End of {year}": "{year}年底",
    "Rebuild the dashboard's year-end figures from the household history (after backdating it).": (
        "根据户档案历史重算领导看板的历年年底数据（补录历史后运行）。"
    ),
    # --- asof ---
    "only the households collection has as_of": "只有农户图层可按截至日期查询（as_of）",
    "member {name}": "成员 {name}",
    "Birth date": "出生日期",
    "added": "新增",
    "removed": "删除",
    "on file": "在册",
    "The households as they were at the end of this day (YYYY-MM-DD).": (
        "按该日（YYYY-MM-DD）结束时的农户情况打印。"
    ),
}
