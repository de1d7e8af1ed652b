"""Pure rules of the registry: inferring 学段/建设性质, seats, periods and data-quality flags."""

import re
from dataclasses import dataclass
from decimal import Decimal

from tracker.projects.models import REPLACING_NATURES

_STAGE_KEYWORDS = [
    ("特殊教育", "特殊教育学校"),
    ("幼儿园", "幼儿园"),
    ("九年一贯", "九年一贯制"),
    ("完全中学", "完全中学"),
    # 职业高级中学 / 职高 are vocational: checked before 高级中学
    ("职业", "中职"),
    ("职高", "中职"),
    ("卫生学校", "中职"),
    ("技工", "中职"),
    ("高级中学", "普通高中"),
    ("高中", "普通高中"),
    ("小学", "小学"),
    ("初级中学", "初中"),
    ("中学", "初中"),  # in seed 001, 中学 means a junior middle school
    ("镇中", "初中"),
    ("学校", "九年一贯制"),
]
_NATURE_KEYWORDS = ["易地新建", "改扩建", "加固改造", "提质改造", "迁建", "重建", "扩建", "改建"]
_SECTION_STAGE = [
    ("学前", "幼儿园"),
    ("幼", "幼儿园"),
    ("小学", "小学"),
    ("初中", "初中"),
    ("义务", "九年一贯制"),
    ("特殊", "特殊教育学校"),
    ("特教", "特殊教育学校"),
    ("高职", "中职"),
    ("职高", "中职"),
    ("中职", "中职"),
    ("职业", "中职"),  # 职业高中: before 高中
    ("高中", "普通高中"),
]
_PERIOD = re.compile(r"^\s*(\d{4})\s*[-—–~～至]\s*(\d{4})\s*$")
_SINGLE_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def infer_stage(name: str) -> str | None:
    """学段 from a project name; None when the name does not say (the user must choose)."""
    core = re.sub(r"（暂名[^）]*）", "", name or "")
    for keyword, stage in _STAGE_KEYWORDS:
        if keyword in core:
            return stage
    return None


def infer_nature(name: str) -> str:
    """建设性质 from a project name: 新建 unless the name says otherwise."""
    for keyword in _NATURE_KEYWORDS:
        if keyword in (name or ""):
            return keyword
    return "新建"


def infer_ownership(name: str, builder: str = "") -> str:
    return "民办" if "民办" in (name or "") else "公办"


class PeriodError(ValueError):
    """A 项目期限 that is not 'YYYY-YYYY' with start ≤ end."""


def parse_period(text: str) -> tuple[int, int]:
    """'2023-2025' → (2023, 2025); a single year means both."""
    text = (text or "").strip()
    match = _PERIOD.match(text)
    if match:
        start, end = int(match.group(1)), int(match.group(2))
    elif _SINGLE_YEAR.match(text):
        start = end = int(text)
    else:
        raise PeriodError(f"项目期限「{text}」应写作“起始年-结束年”，如 2023-2025")
    if start > end:
        raise PeriodError(f"项目期限「{text}」的起始年晚于结束年")
    if not 1990 <= start <= 2100 or not 1990 <= end <= 2100:
        raise PeriodError(f"项目期限「{text}」的年份不在 1990–2100 之间")
    return start, end


def section_stage(section_name: str) -> str:
    for keyword, stage in _SECTION_STAGE:
        if keyword in section_name:
            return stage
    return "其他"


@dataclass(frozen=True)
class Seats:
    """Seats a project provides; `declared` when a document states the figure."""

    total: int | None
    added: int | None
    declared: bool
    replaces_existing: bool


def seats(project, class_sizes: dict[str, int]) -> Seats:
    """Seats from classes × class size per 学段, unless a declared figure overrides the derivation."""
    replaces = project.nature in REPLACING_NATURES
    if project.declared_seats is not None:
        return Seats(project.declared_seats, project.declared_seats, True, replaces)
    if project.classes_total is None:
        return Seats(None, None, False, replaces)
    sections = project.sections
    if sections:
        total = sum(n * class_sizes.get(section_stage(s), 0) for s, n in sections.items())
        ratio = Decimal(project.classes_added or 0) / Decimal(project.classes_total)
        added = int(Decimal(total) * ratio)
        return Seats(total, added, False, replaces)
    size = class_sizes.get(project.stage, 0)
    added = project.classes_added if project.classes_added is not None else project.classes_total
    return Seats(project.classes_total * size, added * size, False, replaces)
