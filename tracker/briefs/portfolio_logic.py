"""The portfolio brief's content as plain data: headline figures, breakdowns, lists and the full
project table (pure: projects and their figures in, strings out)."""

from collections import defaultdict
from datetime import date

from tracker.briefs.fmt import (
    DASH,
    amount_yi,
    count,
    day,
    or_dash,
    text,
    window_label,
    yearly_table,
)
from tracker.money import fen_to, yi
from tracker.projects.models import STAGES

FLAG_KINDS = {
    "no_classes": "未写明班数",
    "land_per_class": "用地面积疑有误",
    "window_above_total": "规划期投资高于总投资",
    "window_differs_inside": "规划期投资与总投资不符",
    "window_equals_total_early_start": "规划期投资口径存疑",
    "cost_per_class": "每班投资偏离同类",
    "stage_unknown": "学段待确认",
    "no_location": "没有坐标",
    "sections_mismatch": "分段班数与学段不符",
}
UNSET = "（未填写）"


def _is_overdue(h) -> bool:
    return bool(h and (h.overdue_count > 0 or h.label == "逾期"))


def _group_table(projects, key, first: str, seats, health, order=None) -> dict:
    groups = defaultdict(list)
    for p in projects:
        groups[text(key(p)) or UNSET].append(p)
    names = sorted(groups, key=order or (lambda n: (n == UNSET, n)))
    rows = [_group_row(name, groups[name], seats, health) for name in names]
    return {
        "header": [
            first,
            "项目数",
            "新增学位",
            "总投资（亿元）",
            "规划期投资（亿元）",
            "逾期",
            "开学风险",
        ],
        "rows": rows,
        "total": _group_row("合计", projects, seats, health) if rows else None,
        "numeric": [1, 2, 3, 4, 5, 6],
    }


def _group_row(name: str, members, seats, health) -> list[str]:
    added = [
        seats[p.id].added for p in members if seats.get(p.id) and seats[p.id].added is not None
    ]
    return [
        name,
        f"{len(members):,}",
        f"{sum(added):,}" if added else DASH,
        yi(sum(p.total_investment_fen or 0 for p in members)),
        yi(sum(p.window_investment_fen or 0 for p in members)),
        f"{sum(_is_overdue(health.get(p.id)) for p in members):,}",
        f"{sum(bool(health.get(p.id) and health[p.id].term_risk) for p in members):,}",
    ]


def _stage_order(name: str):
    return (STAGES.index(name) if name in STAGES else len(STAGES), name)


def _chart(projects, yearly, window) -> dict:
    """Investment by year: the finance domain's yearly plan/completion when it exists, otherwise
    总投资 grouped by the year each project is due to finish (never invented yearly splits)."""
    if yearly:
        return {
            "title": "分年度投资（计划与完成）",
            "mode": "yearly",
            "categories": [str(y.year) for y in yearly],
            "series": [
                {
                    "name": "计划投资",
                    "values": [_yi_or_none(y.planned_fen) for y in yearly],
                },
                {
                    "name": "完成投资",
                    "values": [_yi_or_none(y.completed_fen) for y in yearly],
                },
            ],
            "unit": "亿元",
            "note": "",
        }
    by_year = defaultdict(int)
    for p in projects:
        by_year[p.end_year] += p.total_investment_fen or 0
    years = sorted(by_year, key=lambda y: (y is None, y or 0))
    return {
        "title": "按计划完成年份汇总的总投资",
        "mode": "end_year",
        "categories": [f"{y}" if y else "未定" for y in years],
        "series": [{"name": "总投资", "values": [str(fen_to(by_year[y], "亿元")) for y in years]}],
        "unit": "亿元",
        "note": "尚无分年度投资计划数据，图中按各项目计划完成年份汇总总投资。"
        f"规划期为 {window_label(window)}。",
    }


def _yi_or_none(fen: int | None) -> str | None:
    return None if fen is None else str(fen_to(fen, "亿元"))


def _overdue_list(projects, health) -> dict:
    late = [p for p in projects if _is_overdue(health.get(p.id))]
    late.sort(key=lambda p: (-health[p.id].overdue_days, p.code))
    rows = [
        [
            text(p.name),
            or_dash(health[p.id].next_milestone),
            day(health[p.id].next_due),
            f"{health[p.id].overdue_days:,}",
            f"{health[p.id].overdue_count:,}",
            or_dash(p.builder),
        ]
        for p in late
    ]
    return {
        "header": ["项目", "当前节点", "应完成日期", "逾期天数", "逾期节点数", "责任单位"],
        "rows": rows,
        "numeric": [3, 4],
        "empty_note": "" if rows else "没有逾期的项目",
    }


def _term_situation(h, cutoff: tuple[int, int], as_of: date) -> str:
    if h.term_slack_days is not None and h.term_slack_days < 0:
        return f"预计晚 {-h.term_slack_days:,} 天"
    if h.opening_year and as_of > date(h.opening_year, *cutoff):
        return "截止日已过，未录入交付使用"
    return "可能赶不上"


def _term_list(projects, health, cutoff: tuple[int, int], as_of: date) -> dict:
    risky = [p for p in projects if health.get(p.id) and health[p.id].term_risk]
    risky.sort(key=lambda p: (health[p.id].term_slack_days or 0, p.code))
    rows = [
        [
            text(p.name),
            str(health[p.id].opening_year) if health[p.id].opening_year else DASH,
            _term_situation(health[p.id], cutoff, as_of),
            or_dash(health[p.id].next_milestone),
            or_dash(p.builder),
        ]
        for p in risky
    ]
    return {
        "header": ["学校/项目", "计划开学年份", "情况", "当前节点", "责任单位"],
        "rows": rows,
        "numeric": [1],
        "empty_note": "" if rows else "没有预计赶不上秋季开学的学校",
    }


def _targets(targets) -> dict:
    pace = {True: "按期", False: "落后", None: DASH}
    rows = [
        [
            text(t.plan),
            text(t.indicator),
            f"{text(t.target)} {text(t.unit)}".strip(),
            str(t.target_year) if t.target_year else DASH,
            or_dash(t.current),
            or_dash(t.gap),
            pace[t.on_pace],
            " ".join(x for x in (text(t.source), text(t.note)) if x),
        ]
        for t in targets
    ]
    return {
        "header": ["规划", "指标", "目标", "目标年份", "目前", "差距", "进度", "来源/说明"],
        "rows": rows,
        "numeric": [3, 4, 5],
        "empty_note": "" if rows else "尚未录入规划目标，本节从略",
    }


def _quality(projects, flags) -> dict:
    kinds = defaultdict(int)
    rows = []
    for p in projects:
        found = flags.get(p.id) or []
        for f in found:
            kinds[FLAG_KINDS.get(f.code, "其他提示")] += 1
        shown = [f for f in found if f.code != "no_location"]
        if shown:
            rows.append([text(p.name), "；".join(text(f.message) for f in shown)])
    return {
        "kinds": [[label, f"{n:,}"] for label, n in sorted(kinds.items())],
        "flagged_projects": sum(1 for p in projects if flags.get(p.id)),
        "header": ["项目", "提示"],
        "rows": rows,
        "empty_note": "" if rows else "没有数据质量提示",
    }


def _project_table(projects, seats, health, totals) -> dict:
    rows = []
    for index, p in enumerate(projects, 1):
        s = seats.get(p.id)
        rows.append(
            [
                str(index),
                text(p.name),
                or_dash(p.stage),
                or_dash(p.subdistrict),
                or_dash(p.builder),
                or_dash(p.period_text),
                count(s.added) if s else DASH,
                amount_yi(p.total_investment_fen),
                amount_yi(p.window_investment_fen),
                health[p.id].label if health.get(p.id) else DASH,
            ]
        )
    return {
        "header": [
            "序号",
            "项目名称",
            "学段",
            "街道",
            "建设单位",
            "期限",
            "新增学位",
            "总投资",
            "规划期投资",
            "进度",
        ],
        "rows": rows,
        "total": ["", f"合计 {len(projects):,} 个项目", "", "", "", "", *totals] if rows else None,
        "numeric": [0, 6, 7, 8],
    }


def portfolio_brief_data(
    projects,
    *,
    seats: dict,
    health: dict,
    yearly,
    targets,
    flags: dict,
    as_of: date,
    window: tuple[int, int],
    scope: str = "全部项目",
    cutoff: tuple[int, int] = (8, 31),
) -> dict:
    """Everything the portfolio brief shows, for exactly the `projects` given (already filtered)."""
    total = sum(p.total_investment_fen or 0 for p in projects)
    in_window = sum(p.window_investment_fen or 0 for p in projects)
    known = [seats[p.id] for p in projects if seats.get(p.id) and seats[p.id].added is not None]
    seats_added = sum(s.added for s in known)
    no_seats = len(projects) - len(known)
    overdue = sum(_is_overdue(health.get(p.id)) for p in projects)
    at_risk = sum(bool(health.get(p.id) and health[p.id].term_risk) for p in projects)
    wl = window_label(window)
    headline = [
        {"label": "项目数", "value": f"{len(projects):,}", "unit": "个", "note": ""},
        {"label": "总投资", "value": yi(total), "unit": "亿元", "note": ""},
        {"label": f"{wl}投资", "value": yi(in_window), "unit": "亿元", "note": ""},
        {
            "label": "新增学位",
            "value": f"{seats_added:,}",
            "unit": "个",
            "note": f"另有 {no_seats} 个项目未写明班数" if no_seats else "",
        },
        {"label": "逾期项目", "value": f"{overdue:,}", "unit": "个", "note": ""},
        {
            "label": "开学风险学校",
            "value": f"{at_risk:,}",
            "unit": "所",
            "note": "可能赶不上 9 月 1 日开学",
        },
    ]
    summary = (
        f"截至 {as_of.isoformat()}，本简报范围（{scope}）内共有 {len(projects):,} 个项目，"
        f"总投资 {yi(total)} 亿元，其中 {wl}计划投资 {yi(in_window)} 亿元；"
        f"预计新增学位 {seats_added:,} 个。目前有 {overdue:,} 个项目存在逾期节点，"
        f"{at_risk:,} 所学校可能赶不上秋季开学。"
    )
    return {
        "kind": "portfolio",
        "title": "学校建设项目总体简报",
        "scope": scope,
        "as_of": as_of.isoformat(),
        "window": wl,
        "empty": not projects,
        "empty_note": f"没有符合筛选条件（{scope}）的项目。" if not projects else "",
        "headline": headline,
        "summary": summary if projects else "",
        "by_subdistrict": _group_table(projects, lambda p: p.subdistrict, "街道", seats, health),
        "by_stage": _group_table(
            projects, lambda p: p.stage, "学段", seats, health, order=_stage_order
        ),
        "chart": _chart(projects, yearly, window),
        "yearly": yearly_table(yearly, unit="亿元"),
        "overdue": _overdue_list(projects, health),
        "term_risk": _term_list(projects, health, cutoff, as_of),
        "targets": _targets(targets),
        "quality": _quality(projects, flags),
        "projects": _project_table(
            projects, seats, health, [f"{seats_added:,}", yi(total), yi(in_window), ""]
        ),
    }
