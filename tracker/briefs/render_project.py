"""Typeset one project's brief (data from logic.project_brief_data) on one A4 page where possible."""

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from tracker.briefs.fonts import BriefFont
from tracker.briefs.pdf import (
    ALERT,
    ALERT_BG,
    HEADER_BG,
    OK,
    WIDTH,
    build,
    key_value_table,
    para,
    styles,
)
from tracker.briefs.table import grid_table

KV_WIDTHS = [27 * mm, WIDTH / 2 - 27 * mm, 27 * mm, WIDTH / 2 - 27 * mm]
MILESTONE_WIDTHS = [38 * mm, 25 * mm, 22 * mm, 22 * mm, 25 * mm, WIDTH - 132 * mm]
YEARLY_WIDTHS = [20 * mm, 36 * mm, 36 * mm, 24 * mm]


def _banner(data: dict, st: dict) -> Table:
    """The status line an official reads first: progress and the 1 September question."""
    risky = data["term_risk"] or data["health_label"] in ("逾期", "有风险")
    style = st["alert"] if risky else st["value"]
    term = data["term"]
    cells = [[para(f"进度状态：{data['health_label']}", style), para(f"开学风险：{term}", style)]]
    banner = Table(cells, colWidths=[45 * mm, WIDTH - 45 * mm], hAlign="LEFT")
    banner.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ALERT_BG if risky else HEADER_BG),
                ("BOX", (0, 0), (-1, -1), 0.6, ALERT if risky else OK),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return banner


def story(data: dict, font: BriefFont) -> list:
    st = styles(font)
    out = [
        para(data["title"], st["title"] if len(data["title"]) <= 40 else st["title_long"]),
        para(" · ".join(["项目编号 " + data["code"], *data["tags"]]), st["subtitle"]),
        _banner(data, st),
        para("一、基本情况", st["h2"]),
        key_value_table(data["identity"], KV_WIDTHS, st),
        para("二、建设规模", st["h2"]),
        key_value_table(data["capacity"], KV_WIDTHS, st),
        para("三、投资", st["h2"]),
        key_value_table(data["money"], KV_WIDTHS, st),
    ]
    yearly = data["yearly"]
    if yearly["rows"]:
        out += [Spacer(1, 3), grid_table(yearly, YEARLY_WIDTHS, st, font=font)]
    else:
        out.append(para(yearly["empty_note"], st["note"]))
    out.append(para("四、进度与开学风险", st["h2"]))
    out.append(key_value_table(data["health"], KV_WIDTHS, st))
    ms = data["milestones"]
    if ms["rows"]:
        out += [
            Spacer(1, 4),
            grid_table(ms, MILESTONE_WIDTHS, st, alert_rows=ms["overdue_rows"], font=font),
            para("日期后注“（估）”的为按项目期限推算的估计日期；红色行为逾期节点。", st["note"]),
        ]
    else:
        out.append(para(ms["empty_note"], st["note"]))
    out.append(para("五、数据质量提示", st["h2"]))
    if data["quality"]:
        out += [para(f"• {message}", st["body"]) for message in data["quality"]]
        out.append(para("提示只标出可疑之处，系统不会自动修改原始数据。", st["note"]))
    else:
        out.append(para("无", st["body"]))
    if data["content"] or data["remarks"]:
        out.append(para("附：建设内容（原文）", st["h2"]))
        if data["content"]:
            out.append(para(data["content"], st["small"]))
        if data["remarks"]:
            out.append(para(f"备注：{data['remarks']}", st["small"]))
    return out


def render_project_brief(data: dict, font: BriefFont, *, author: str) -> bytes:
    return build(
        story(data, font),
        font=font,
        title=f"项目简报：{data['title']}",
        author=author,
        subject=f"{data['code']} 项目简报（数据截至 {data['as_of']}）",
        header=f"项目简报 · {data['code']}",
        as_of=data["as_of"],
    )
