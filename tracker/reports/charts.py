"""The project's history as server-drawn SVG (no script, no web font): 形象进度 % and 累计完成投资
by month, each against its plan line (estimates from the milestone plan and the finance plan,
drawn dashed and labelled as estimates)."""

from markupsafe import Markup, escape

from tracker.money import wan
from tracker.reports import logic

WIDTH, LEFT, RIGHT, PANEL, GAP, TOP = 660, 70, 20, 150, 60, 30
REPORTED, PLANNED = "#1f5fa8", "#9ca3af"


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _path(points: list[tuple[float, float] | None]) -> str:
    parts, pen = [], "M"
    for point in points:
        if point is None:
            pen = "M"
            continue
        parts.append(f"{pen}{point[0]:.1f},{point[1]:.1f}")
        pen = "L"
    return " ".join(parts)


def _panel(top, title, periods, reported, planned, top_value, shown) -> list[str]:
    count = len(periods)
    bottom = top + PANEL

    def y(value):
        return bottom - (PANEL * value / top_value if top_value else 0)

    out = [
        f'<text x="0" y="{top - 10}" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#d1d5db"/>',
        f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}" stroke="#d1d5db"/>',
        f'<text x="{LEFT - 6}" y="{top + 4}" font-size="10" text-anchor="end">{escape(shown(top_value))}</text>',
        f'<text x="{LEFT - 6}" y="{bottom}" font-size="10" text-anchor="end">0</text>',
    ]
    step = max(1, -(-count // 8))
    for i, period in enumerate(periods):
        if i % step == 0 or i == count - 1:
            year, month = logic.year_month(period)
            out.append(
                f'<text x="{_x(i, count):.1f}" y="{bottom + 14}" font-size="10" '
                f'text-anchor="middle">{year % 100:02d}.{month}</text>'
            )
    plan_points = [None if v is None else (_x(i, count), y(v)) for i, v in enumerate(planned)]
    if any(plan_points):
        out.append(
            f'<path d="{_path(plan_points)}" fill="none" stroke="{PLANNED}" stroke-width="2" '
            'stroke-dasharray="5 4"/>'
        )
    points = [None if v is None else (_x(i, count), y(v)) for i, v in enumerate(reported)]
    out.append(f'<path d="{_path(points)}" fill="none" stroke="{REPORTED}" stroke-width="2"/>')
    for i, point in enumerate(points):
        if point is not None:
            label = f"{logic.label(periods[i])}：{shown(reported[i])}"
            out.append(
                f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{REPORTED}">'
                f"<title>{escape(label)}</title></circle>"
            )
    return out


def history(
    periods: list[str],
    percents: list[int | None],
    plan_percents: list[int | None],
    cumulative: list[int | None],
    plan_cumulative: list[int | None],
) -> Markup:
    """Two panels over the same months; None where a month has no accepted report or plan."""
    if not periods:
        return Markup('<p class="muted">还没有审核通过的月报，暂无进度曲线。</p>')
    height = TOP + 2 * PANEL + GAP + 60
    money_top = max([v for v in cumulative + plan_cumulative if v] or [0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" '
        f'viewBox="0 0 {WIDTH} {height}" aria-label="月报进度曲线">',
        "<title>形象进度与累计完成投资（按月，已通过的月报）</title>",
    ]
    parts += _panel(
        TOP + 10, "形象进度（%）", periods, percents, plan_percents, 100, lambda v: f"{v}%"
    )
    parts += _panel(
        TOP + PANEL + GAP,
        "累计完成投资（万元）",
        periods,
        cumulative,
        plan_cumulative,
        money_top,
        lambda v: wan(v),
    )
    legend = height - 12
    parts.append(
        f'<line x1="{LEFT}" y1="{legend - 4}" x2="{LEFT + 24}" y2="{legend - 4}" stroke="{REPORTED}" stroke-width="2"/>'
        f'<text x="{LEFT + 30}" y="{legend}" font-size="11">月报（已通过）</text>'
        f'<line x1="{LEFT + 150}" y1="{legend - 4}" x2="{LEFT + 174}" y2="{legend - 4}" stroke="{PLANNED}" '
        'stroke-width="2" stroke-dasharray="5 4"/>'
        f'<text x="{LEFT + 180}" y="{legend}" font-size="11">计划（估算：按里程碑计划日期与年度投资计划推算）</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
