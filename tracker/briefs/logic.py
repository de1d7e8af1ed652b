"""The content of a brief as plain data (strings and lists), built by pure functions: no Flask,
no session, no clock. The PDF renderers only lay this data out, so golden files can pin it."""

from datetime import date

from tracker.briefs.fmt import (
    DASH,
    area,
    count,
    day,
    or_dash,
    text,
    window_label,
    yearly_table,
)
from tracker.briefs.portfolio_logic import portfolio_brief_data
from tracker.money import yi

__all__ = ["portfolio_brief_data", "project_brief_data"]


def location(project) -> str:
    parts = [project.province, project.city, project.district, project.subdistrict]
    return or_dash(" ".join(text(p) for p in parts if text(p)))


def seats_text(s) -> str:
    """Seats as officials read them: figure, how it was obtained, and the replacement caveat."""
    if s is None or s.total is None:
        return "无法推算（未写明班数）"
    how = "文件申报" if s.declared else "按班额推算"
    shown = f"{s.total:,} 个（新增 {s.added:,} 个，{how}）"
    if s.replaces_existing:
        shown += "；替代原有学位，净增可能更少"
    return shown


def term_text(h, cutoff: tuple[int, int] = (8, 31), today: date | None = None) -> str:
    """The 1 September question in one sentence (`cutoff`: handover deadline month and day)."""
    if h is None or h.opening_year is None:
        return "无法判断（未定开学年份）"
    year, slack = h.opening_year, h.term_slack_days
    deadline = date(year, *cutoff)
    shown = f"{year} 年 {cutoff[0]} 月 {cutoff[1]} 日"
    if h.term_risk:
        if slack is not None and slack < 0:
            return f"有风险，预计交付使用晚于开学前截止日（{shown}）{-slack} 天"
        if today is not None and today > deadline:
            return f"有风险，开学前截止日（{shown}）已过，尚未录入交付使用"
        return f"有风险，可能赶不上开学前截止日（{shown}）"
    if slack is None:
        return "无法判断（尚无交付使用日期）"
    if h.label == "已完成":
        return f"已交付使用（开学前截止日 {shown}）"
    return f"按期，距开学前交付截止日（{shown}）尚余 {slack} 天"


def health_rows(h, cutoff: tuple[int, int] = (8, 31), today: date | None = None) -> list[list[str]]:
    if h is None:
        return [["进度状态", DASH]]
    next_step = DASH
    if h.next_milestone:
        next_step = h.next_milestone + (f"（{day(h.next_due)}）" if h.next_due else "")
    overdue = "无"
    if h.overdue_count:
        overdue = f"{h.overdue_count} 个节点逾期，最长 {h.overdue_days} 天"
    return [
        ["进度状态", h.label],
        ["下一节点", next_step],
        ["逾期情况", overdue],
        ["开学风险", term_text(h, cutoff, today)],
    ]


def milestone_status(row, today: date) -> str:
    if row.actual_on:
        return "已完成"
    due = row.forecast_on or row.planned_on
    if row.is_overdue and due:
        return f"逾期 {(today - due).days} 天"
    if row.is_overdue:
        return "逾期"
    return "未到期" if due else DASH


def milestone_table(milestones, today: date) -> dict:
    rows, overdue = [], []
    for index, m in enumerate(milestones):
        planned = day(m.planned_on) + ("（估）" if m.is_estimate and m.planned_on else "")
        rows.append(
            [
                text(m.name),
                planned,
                day(m.forecast_on),
                day(m.actual_on),
                milestone_status(m, today),
                or_dash(m.responsible),
            ]
        )
        if m.is_overdue and not m.actual_on:
            overdue.append(index)
    return {
        "header": ["节点", "计划日期", "预测日期", "实际日期", "状态", "责任人/单位"],
        "rows": rows,
        "overdue_rows": overdue,
        "empty_note": "尚未录入里程碑" if not rows else "",
    }


def project_brief_data(
    project,
    *,
    seats,
    health,
    milestones,
    yearly,
    flags,
    as_of: date,
    window: tuple[int, int],
    cutoff: tuple[int, int] = (8, 31),
) -> dict:
    """Everything one project's brief shows, as strings ready to typeset."""
    p = project
    classes = count(p.classes_total) if p.classes_total is not None else "未写明"
    sections = "，".join(f"{k} {v} 班" for k, v in p.sections.items())
    outside = None
    if p.total_investment_fen is not None and p.window_investment_fen is not None:
        outside = p.total_investment_fen - p.window_investment_fen
    return {
        "kind": "project",
        "title": text(p.name) or p.code,
        "code": p.code,
        "as_of": as_of.isoformat(),
        "tags": [t for t in (text(p.stage), text(p.nature), text(p.status)) if t]
        + (["已归档"] if p.archived else []),
        "identity": [
            ["项目编号", p.code],
            ["学段", or_dash(p.stage)],
            ["建设性质", or_dash(p.nature)],
            ["办学性质", or_dash(p.ownership)],
            ["项目期限", or_dash(p.period_text)],
            ["建设地点", location(p)],
            ["四至/选址", or_dash(p.site_text)],
            ["建设单位", or_dash(p.builder)],
            ["政府投资", text(p.government_text) or ("是" if p.is_government else "否")],
        ],
        "capacity": [
            ["总班数", classes],
            ["新增班数", count(p.classes_added)],
            *([["分段班数", sections]] if sections else []),
            ["学位", seats_text(seats)],
            [
                "用地面积",
                area(p.land_area_m2, note="（新增用地）" if p.land_is_additional else ""),
            ],
            ["建筑面积", area(p.floor_area_m2, approximate=p.area_is_approximate)],
        ],
        "money": [
            ["总投资", _yi_unit(p.total_investment_fen)],
            [f"{window_label(window)}投资", _yi_unit(p.window_investment_fen)],
            ["规划期外投资", _yi_unit(outside)],
        ],
        "yearly": yearly_table(yearly),
        "health_label": health.label if health else DASH,
        "term_risk": bool(health and health.term_risk),
        "health": health_rows(health, cutoff, as_of),
        "term": term_text(health, cutoff, as_of),
        "milestones": milestone_table(milestones, as_of),
        "quality": [text(f.message) for f in flags],
        "content": text(p.content_text),
        "remarks": text(p.remarks),
    }


def _yi_unit(fen: int | None) -> str:
    return DASH if fen is None else f"{yi(fen)} 亿元"
