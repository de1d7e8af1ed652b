"""Data-quality checks: they flag what looks wrong in a project's figures and never change them."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from tracker.money import yi
from tracker.projects.logic import section_stage
from tracker.projects.models import parse_sections

# Which section 学段 a school of each 学段 may contain; a special school may hold any section.
_SECTIONS_ALLOWED = {
    "幼儿园": {"幼儿园"},
    "小学": {"小学"},
    "初中": {"初中"},
    "九年一贯制": {"小学", "初中", "九年一贯制"},
    "完全中学": {"初中", "普通高中", "完全中学"},
    "普通高中": {"普通高中"},
    "中职": {"中职"},
}


@dataclass(frozen=True)
class Flag:
    """One data-quality finding on one project."""

    code: str
    message: str


def project_flags(project, *, window: tuple[int, int], max_land_per_class: int) -> list[Flag]:
    """Checks that need only the project itself."""
    flags = []
    total, in_window = project.total_investment_fen, project.window_investment_fen
    start, end = project.start_year, project.end_year
    if project.classes_total is None:
        flags.append(Flag("no_classes", "建设内容未写明班数，无法推算学位"))
    if project.classes_total and project.land_area_m2 and not project.land_is_additional:
        per_class = project.land_area_m2 / project.classes_total
        if per_class > max_land_per_class:
            flags.append(
                Flag(
                    "land_per_class",
                    f"用地面积每班约 {per_class:,.0f} 平方米，远高于常见水平"
                    f"（上限 {max_land_per_class:,} 平方米/班），请核对是否多写一位或小数点错位",
                )
            )
    if total is not None and in_window is not None:
        if in_window > total:
            flags.append(
                Flag(
                    "window_above_total",
                    f"规划期投资 {yi(in_window)} 亿元高于总投资 {yi(total)} 亿元",
                )
            )
        elif start and end and window[0] <= start and end <= window[1] and in_window != total:
            flags.append(
                Flag(
                    "window_differs_inside",
                    f"项目期限 {start}-{end} 全在规划期 {window[0]}-{window[1]} 内，"
                    f"但规划期投资 {yi(in_window)} 亿元不等于总投资 {yi(total)} 亿元"
                    f"（相差 {yi(total - in_window)} 亿元无法解释）",
                )
            )
        elif start and start < window[0] and in_window == total and total > 0:
            flags.append(
                Flag(
                    "window_equals_total_early_start",
                    f"项目 {start} 年开始（早于规划期），但规划期投资等于总投资 {yi(total)} 亿元",
                )
            )
    mismatch = sections_mismatch(project.stage, parse_sections(project.sections_text))
    if mismatch:
        flags.append(
            Flag(
                "sections_mismatch",
                f"分段班数含{'、'.join(mismatch)}，与学段「{project.stage}」不符，请核实学段"
                "（可能是特殊教育学校或其他类型）",
            )
        )
    if project.stage == "其他" and not project.curation_note:
        flags.append(Flag("stage_unknown", "学段未能从名称推断，请人工确认"))
    if project.lat is None or project.lon is None:
        flags.append(Flag("no_location", "没有坐标，地图上无法显示"))
    return flags


def sections_mismatch(stage: str, sections: dict[str, int]) -> list[str]:
    """Sections a school of `stage` should not have (e.g. 学前段 in a 九年一贯制 school)."""
    allowed = _SECTIONS_ALLOWED.get(stage)
    if allowed is None:  # 特殊教育学校 holds any section; 其他 is flagged on its own
        return []
    return [name for name in sections if section_stage(name) not in allowed]


def cost_outliers(projects, factor: float) -> dict[int, Flag]:
    """Projects whose 总投资 per class differs from the median of their 学段 by more than `factor`×."""
    per_stage = defaultdict(list)
    for p in projects:
        if p.total_investment_fen and p.classes_added:
            per_stage[p.stage].append((p, Decimal(p.total_investment_fen) / p.classes_added))
    found = {}
    ratio = Decimal(str(factor))
    for stage, rows in per_stage.items():
        if len(rows) < 3:
            continue
        mid = Decimal(median(cost for _, cost in rows))
        for p, cost in rows:
            if cost > mid * ratio or cost * ratio < mid:
                found[p.id] = Flag(
                    "cost_per_class",
                    f"每班投资 {cost / 10**6:,.0f} 万元，{stage}中位数为 {mid / 10**6:,.0f} 万元",
                )
    return found


def portfolio_flags(
    projects, *, window: tuple[int, int], max_land_per_class: int, cost_factor: float
) -> dict[int, list[Flag]]:
    """Every flag of every project, keyed by project id (projects without flags are left out)."""
    outliers = cost_outliers(projects, cost_factor)
    result = {}
    for p in projects:
        flags = project_flags(p, window=window, max_land_per_class=max_land_per_class)
        if p.id in outliers:
            flags.append(outliers[p.id])
        if flags:
            result[p.id] = flags
    return result
