"""Typeset the portfolio brief (data from logic.portfolio_brief_data): headline figures, breakdowns,
chart, lists, targets, data quality and the full project table."""

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer, Table, TableStyle

from tracker.briefs.chart import investment_chart
from tracker.briefs.fonts import BriefFont
from tracker.briefs.pdf import (
    ALERT_BG,
    HEADER_BG,
    RULE,
    WIDTH,
    build,
    para,
    styles,
)
from tracker.briefs.table import grid_table

GROUP_WIDTHS = [mm * w for w in (34, 18, 22, 28, 30, 18, 28)]
OVERDUE_WIDTHS = [mm * w for w in (54, 30, 22, 16, 16, 40)]
TERM_WIDTHS = [mm * w for w in (54, 20, 42, 26, 36)]
TARGET_WIDTHS = [mm * w for w in (26, 40, 22, 14, 18, 16, 12, 30)]
QUALITY_WIDTHS = [mm * w for w in (60, 118)]
KIND_WIDTHS = [mm * w for w in (60, 20)]
YEARLY_WIDTHS = [mm * w for w in (20, 36, 36, 24)]
PROJECT_WIDTHS = [mm * w for w in (9, 42, 14, 17, 26, 17, 14, 13, 14, 12)]
NUMERALS = "一二三四五六七八九十"


def _headline(data: dict, st: dict) -> Table:
    cells = []
    for item in data["headline"]:
        block = [
            para(f"{item['value']} {item['unit']}", st["figure"]),
            para(item["label"], st["figure_label"]),
        ]
        if item["note"]:
            block.append(para(item["note"], st["figure_label"]))
        cells.append(block)
    rows = [cells[i : i + 3] for i in range(0, len(cells), 3)]
    table = Table(rows, colWidths=[WIDTH / 3] * 3, hAlign="LEFT")
    commands = [
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BACKGROUND", (0, 0), (-1, -1), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    # Overdue and term-risk boxes turn red when they are not zero.
    for index, item in enumerate(data["headline"]):
        if item["label"] in ("逾期项目", "开学风险学校") and item["value"] != "0":
            commands.append(
                ("BACKGROUND", (index % 3, index // 3), (index % 3, index // 3), ALERT_BG)
            )
    table.setStyle(TableStyle(commands))
    return table


class _Sections:
    """Numbers the section headings 一、二、三 … in the order they are emitted."""

    def __init__(self, st):
        self.st, self.n = st, 0

    def __call__(self, title: str):
        self.n += 1
        return para(f"{NUMERALS[self.n - 1]}、{title}", self.st["h2"])


def _listing(out, heading, table, widths, st, font):
    if table["rows"]:
        out += [heading, grid_table(table, widths, st, font=font)]
    else:
        out += [heading, para(table["empty_note"], st["body"])]


def story(data: dict, font: BriefFont) -> list:
    st = styles(font)
    out = [
        para(data["title"], st["title"]),
        para(f"范围：{data['scope']} · 数据截至 {data['as_of']}", st["subtitle"]),
    ]
    if data["empty"]:
        return out + [Spacer(1, 8 * mm), para(data["empty_note"], st["h2"])]
    section = _Sections(st)
    out += [
        section("总体情况"),
        _headline(data, st),
        Spacer(1, 4),
        para(data["summary"], st["body"]),
    ]
    for key, title in (("by_subdistrict", "分街道情况"), ("by_stage", "分学段情况")):
        out += [CondPageBreak(40 * mm), section(title)]
        out.append(grid_table(data[key], GROUP_WIDTHS, st, font=font))
    chart = data["chart"]
    block = [section(f"年度投资：{chart['title']}"), investment_chart(chart, font, WIDTH)]
    if chart["note"]:
        block.append(para(chart["note"], st["note"]))
    out.append(KeepTogether(block))
    if data["yearly"]["rows"]:
        out += [Spacer(1, 3), grid_table(data["yearly"], YEARLY_WIDTHS, st, font=font)]
    out.append(CondPageBreak(30 * mm))
    _listing(out, section("逾期项目"), data["overdue"], OVERDUE_WIDTHS, st, font)
    out.append(CondPageBreak(30 * mm))
    heading = section("开学风险（可能赶不上 9 月 1 日开学的学校）")
    _listing(out, heading, data["term_risk"], TERM_WIDTHS, st, font)
    out.append(CondPageBreak(30 * mm))
    _listing(out, section("规划目标"), data["targets"], TARGET_WIDTHS, st, font)
    quality = data["quality"]
    out += [CondPageBreak(30 * mm), section("数据质量提示")]
    if quality["kinds"]:
        out.append(
            para(
                f"{quality['flagged_projects']} 个项目有数据质量提示，按类型统计如下：", st["body"]
            )
        )
        kinds = {"header": ["提示类型", "条数"], "rows": quality["kinds"], "numeric": [1]}
        out.append(grid_table(kinds, KIND_WIDTHS, st, font=font))
    if quality["rows"]:
        out += [Spacer(1, 4), grid_table(quality, QUALITY_WIDTHS, st, font=font)]
    out.append(
        para(quality["empty_note"] or "提示只标出可疑之处，系统不会自动修改原始数据。", st["note"])
    )
    out += [PageBreak(), para("附表：项目明细", st["h2"])]
    out.append(grid_table(data["projects"], PROJECT_WIDTHS, st, font=font))
    out.append(
        para("金额单位：亿元；新增学位按班额推算，文件另有申报数的以申报数为准。", st["note"])
    )
    return out


def render_portfolio_brief(data: dict, font: BriefFont, *, author: str) -> bytes:
    return build(
        story(data, font),
        font=font,
        title=f"{data['title']}（{data['scope']}）",
        author=author,
        subject=f"{data['title']}，范围：{data['scope']}，数据截至 {data['as_of']}",
        header=f"{data['title']} · {data['scope']}",
        as_of=data["as_of"],
    )
