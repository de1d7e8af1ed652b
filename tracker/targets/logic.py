"""Pure rules of plan targets: parsing counting rules, matching projects, attainment, pace and flags.
No Flask, no session, no clock: `today` is passed in."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tracker.money import UNIT_FEN
from tracker.projects.models import NATURES, OWNERSHIPS, STAGES

# Measures a rule can count, with the units each may be stated in.
MEASURE_UNITS = {
    "计数": {"所", "个"},
    "学位": {"学位"},
    "床位": {"床位"},
    "投资": {"亿元", "万元"},
    "统计": None,  # a statistic reported by the bureau, not computed from projects: any unit
}
# What a project must have reached to count as done (计入=…); the default is 交付使用.
THRESHOLDS = ["开工", "竣工", "交付使用"]
STOPPED = {"暂缓", "停建", "取消"}
RULE_KEYS = {"学段", "建设性质", "办学性质", "名称含", "计入", "范围"}
_SPLIT = re.compile(r"[;；]")


class RuleError(ValueError):
    """A counting rule that cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Rule:
    measure: str
    stages: frozenset = frozenset()
    natures: frozenset = frozenset()
    ownerships: frozenset = frozenset()
    name_contains: tuple = ()
    threshold: str = "交付使用"
    linked_only: bool = False  # 范围=关联: only hand-linked projects count

    @property
    def computed(self) -> bool:
        return self.measure != "统计"

    def describe(self) -> str:
        if not self.computed:
            return "统计指标（不由项目计算）"
        what = {"计数": "项目数", "学位": "新增学位", "床位": "新增床位", "投资": "完成投资"}
        parts = []
        if self.stages:
            parts.append("学段为" + "、".join(sorted(self.stages, key=STAGES.index)))
        if self.natures:
            parts.append("建设性质为" + "、".join(sorted(self.natures, key=NATURES.index)))
        if self.ownerships:
            parts.append("办学性质为" + "、".join(sorted(self.ownerships)))
        if self.name_contains:
            parts.append("名称含" + "或".join(f"「{n}」" for n in self.name_contains))
        scope = "仅计手工关联的项目" if self.linked_only else "本区域内"
        condition = "，".join(parts) or "全部项目"
        done = "" if self.measure == "投资" else f"，达到「{self.threshold}」计为完成"
        return f"{scope}{condition}的{what[self.measure]}{done}"


def _values(key: str, raw: str, allowed: list[str] | None) -> list[str]:
    values = [v.strip() for v in re.split(r"[,，、/]", raw) if v.strip()]
    if not values:
        raise RuleError(f"规则中「{key}」没有给出取值")
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise RuleError(
                f"规则中「{key}」的取值「{'、'.join(unknown)}」无法识别（可用：{'、'.join(allowed)}）"
            )
    return values


def parse_rule(text: str) -> Rule:
    """'计数: 学段=幼儿园; 建设性质=新建,改扩建' → Rule. Raises RuleError with a Chinese message."""
    text = (text or "").strip()
    if not text:
        raise RuleError("没有填写计算规则（例如「计数: 学段=幼儿园」或「统计」）")
    head, _, rest = text.replace("：", ":").partition(":")
    measure = head.strip()
    if measure not in MEASURE_UNITS:
        raise RuleError(f"规则的计量「{measure}」无法识别（可用：{'、'.join(MEASURE_UNITS)}）")
    options: dict = {}
    for part in _SPLIT.split(rest or ""):
        if not part.strip():
            continue
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or key not in RULE_KEYS:
            raise RuleError(
                f"规则中的「{part.strip()}」无法识别（应写作 键=值，键可用：{'、'.join(sorted(RULE_KEYS))}）"
            )
        if key == "学段":
            options["stages"] = frozenset(_values(key, raw, STAGES))
        elif key == "建设性质":
            options["natures"] = frozenset(_values(key, raw, NATURES))
        elif key == "办学性质":
            options["ownerships"] = frozenset(_values(key, raw, OWNERSHIPS))
        elif key == "名称含":
            options["name_contains"] = tuple(_values(key, raw, None))
        elif key == "计入":
            options["threshold"] = _values(key, raw, THRESHOLDS)[0]
        elif key == "范围":
            options["linked_only"] = _values(key, raw, ["规则", "关联"])[0] == "关联"
    return Rule(measure=measure, **options)


def unit_problem(rule: Rule, unit: str) -> str | None:
    """A Chinese message when the target's unit cannot be what the rule counts."""
    allowed = MEASURE_UNITS[rule.measure]
    if allowed is None or unit in allowed:
        return None
    return f"单位「{unit}」与计算规则「{rule.measure}」不符（应为 {'/'.join(sorted(allowed))}），无法计算完成值"


@dataclass(slots=True)
class ProjectFacts:
    """What attainment needs to know about one project."""

    id: int
    code: str
    name: str
    stage: str
    nature: str
    ownership: str
    status: str
    path: str  # "省/市/区县/街道"
    seats_added: int | None
    window_fen: int | None
    delivered_on: date | None = None


def within(path: str, jurisdiction: str) -> bool:
    """Is `path` the jurisdiction itself or somewhere below it?"""
    parts = path.split("/")  # positional: 省/市/区县/街道, empty where unknown
    scope = [p for p in jurisdiction.split("/") if p]
    return parts[: len(scope)] == scope


def matches(rule: Rule, p: ProjectFacts, jurisdiction: str) -> bool:
    return within(p.path, jurisdiction) and fits(rule, p)


def fits(rule: Rule, p: ProjectFacts) -> bool:
    """Does the project meet the rule's conditions (its place aside)?"""
    if rule.linked_only:
        return False
    if rule.stages and p.stage not in rule.stages:
        return False
    if rule.natures and p.nature not in rule.natures:
        return False
    if rule.ownerships and p.ownership not in rule.ownerships:
        return False
    return not rule.name_contains or any(n in p.name for n in rule.name_contains)


def phase(p: ProjectFacts, today: date) -> str:
    """交付使用 / 竣工 / 开工 / 计划 / 停止 — how far the project has got."""
    if p.delivered_on is not None and p.delivered_on <= today:
        return "交付使用"
    if p.status in STOPPED:
        return "停止"
    if p.status == "交付使用":
        return "交付使用"
    if p.status == "竣工":
        return "竣工"
    if p.status == "在建":
        return "开工"
    return "计划"


def reached(project_phase: str, threshold: str) -> bool:
    if project_phase not in THRESHOLDS:
        return False
    return THRESHOLDS.index(project_phase) >= THRESHOLDS.index(threshold)


@dataclass(frozen=True)
class Flag:
    level: str  # "error" (cannot compute), "warn" (stored as written, inconsistent), "info"
    message: str


@dataclass
class Attainment:
    """Where a target stands: done / under way / planned, the gap and the pace."""

    completed: Decimal | None = None
    under_way: Decimal | None = None
    planned: Decimal | None = None
    gap: Decimal | None = None
    expected_now: Decimal | None = None
    on_pace: bool | None = None
    project_ids: list[int] = field(default_factory=list)
    counted: dict[int, str] = field(default_factory=dict)  # project id → 已完成/推进中/计划中/…
    missing_figures: int = 0  # matched projects without a seat/bed figure
    flags: list[Flag] = field(default_factory=list)

    @property
    def current(self) -> Decimal | None:
        return self.completed

    @property
    def note(self) -> str:
        return "尚未关联项目" if not self.project_ids else ""


def _quantity(rule: Rule, p: ProjectFacts) -> Decimal | None:
    if rule.measure == "计数":
        return Decimal(1)
    if rule.measure in ("学位", "床位"):
        return None if p.seats_added is None else Decimal(p.seats_added)
    return None


def period_start(baseline_year: int | None, plan_start: int | None) -> date | None:
    """A baseline describes the end of its year, so the plan's work starts the next 1 January."""
    if baseline_year is not None:
        return date(baseline_year + 1, 1, 1)
    if plan_start is not None:
        return date(plan_start, 1, 1)
    return None


def expected_by(
    target: Decimal, start: date | None, target_year: int | None, today: date
) -> Decimal | None:
    """Linear pace: the share of `target` due by `today` between `start` and 31 Dec of the target year."""
    if start is None or target_year is None:
        return None
    end = date(target_year, 12, 31)
    if end < start:
        return None
    span = (end - start).days
    elapsed = min(max((today - start).days, 0), span)
    return (target * Decimal(elapsed) / Decimal(span)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class TargetSpec:
    """The stored fields attainment reads (kept apart from the table so logic stays pure)."""

    jurisdiction: str
    unit: str
    comparator: str
    target_value: Decimal | None
    target_year: int | None
    baseline: Decimal | None
    baseline_year: int | None
    plan_start: int | None = None


class FactIndex:
    """Projects indexed by every prefix of their 省/市/区县/街道 path, so that a target looks only
    at the projects of its own jurisdiction."""

    def __init__(self, projects: list[ProjectFacts]):
        self.by_id = {p.id: p for p in projects}
        self.by_scope: dict[tuple, list[ProjectFacts]] = {}
        for p in projects:
            parts = tuple(p.path.split("/"))
            for depth in range(1, len(parts) + 1):
                self.by_scope.setdefault(parts[:depth], []).append(p)

    def within(self, jurisdiction: str) -> list[ProjectFacts]:
        scope = tuple(part for part in jurisdiction.split("/") if part)
        return self.by_scope.get(scope, []) if scope else list(self.by_id.values())


def chosen(
    spec: TargetSpec,
    rule: Rule,
    projects: "list[ProjectFacts] | FactIndex",
    links: dict[int, str],
) -> list[ProjectFacts]:
    """Projects that count toward a target: hand-linked ones, plus rule matches not excluded."""
    index = projects if isinstance(projects, FactIndex) else FactIndex(projects)
    picked = {
        p.id: p
        for p in index.within(spec.jurisdiction)
        if links.get(p.id) != "exclude" and fits(rule, p)
    }
    for pid, kind in links.items():
        if kind == "include" and pid in index.by_id:
            picked[pid] = index.by_id[pid]
    return sorted(picked.values(), key=lambda p: p.id)


def attainment(
    spec: TargetSpec,
    rule: Rule,
    projects: "list[ProjectFacts] | FactIndex",
    links: dict[int, str],
    today: date,
    completed_fen: int | None = None,
) -> Attainment:
    """Count the matching (rule) and linked (include) projects, minus excluded ones."""
    result = Attainment()
    if not rule.computed:
        return result
    start = period_start(spec.baseline_year, spec.plan_start)
    totals = {"completed": Decimal(0), "under_way": Decimal(0), "planned": Decimal(0)}
    for p in chosen(spec, rule, projects, links):
        result.project_ids.append(p.id)
        state = phase(p, today)
        if state == "停止":
            result.counted[p.id] = "不计（" + p.status + "）"
            continue
        if p.delivered_on is not None and start is not None and p.delivered_on < start:
            result.counted[p.id] = "不计（规划期前已交付）"
            continue
        if rule.measure == "投资":
            totals["planned"] += Decimal(p.window_fen or 0)
            result.counted[p.id] = "计入"
            continue
        amount = _quantity(rule, p)
        if amount is None:
            result.missing_figures += 1
            result.counted[p.id] = "不计（无学位/床位数）"
            continue
        if reached(state, rule.threshold):
            bucket, label = "completed", "已完成"
        elif state in ("开工", "竣工"):
            bucket, label = "under_way", "推进中"
        else:
            bucket, label = "planned", "计划中"
        totals[bucket] += amount
        result.counted[p.id] = label
    if rule.measure == "投资":
        factor = UNIT_FEN[spec.unit]
        result.completed = Decimal(completed_fen or 0) / factor
        result.under_way = None
        result.planned = totals["planned"] / factor
    else:
        result.completed = totals["completed"]
        result.under_way = totals["under_way"]
        result.planned = totals["planned"]
    if spec.target_value is not None:
        result.gap = max(spec.target_value - result.completed, Decimal(0))
        result.expected_now = expected_by(spec.target_value, start, spec.target_year, today)
        if result.expected_now is not None and spec.comparator in ("≥", "≈", "="):
            result.on_pace = result.completed >= result.expected_now
    return result


def static_flags(spec: TargetSpec, rule_text: str) -> tuple[Rule | None, list[Flag]]:
    """Flags that depend on the target alone: unreadable rule, unit mismatch, years, baseline."""
    flags = []
    try:
        rule = parse_rule(rule_text)
    except RuleError as exc:
        rule = None
        flags.append(Flag("error", f"计算规则有误：{exc}"))
    if rule is not None:
        problem = unit_problem(rule, spec.unit)
        if problem:
            flags.append(Flag("error", problem))
            rule = None
    if spec.target_value is None:
        flags.append(Flag("warn", "原文没有可计算的目标数值"))
    if (
        spec.baseline_year is not None
        and spec.target_year is not None
        and spec.baseline_year > spec.target_year
    ):
        flags.append(
            Flag(
                "error",
                f"基线年份（{spec.baseline_year}）晚于目标年份（{spec.target_year}），无法计算进度",
            )
        )
    if spec.baseline is not None and spec.target_value is not None:
        lower = spec.comparator in ("≥", "≈", "=") and spec.target_value < spec.baseline
        higher = spec.comparator == "≤" and spec.target_value > spec.baseline
        if lower or higher:
            word = "低于" if lower else "高于"
            flags.append(
                Flag(
                    "warn",
                    f"目标值（{fmt(spec.target_value)}）{word}基线值（{fmt(spec.baseline)}，"
                    f"{spec.baseline_year or '年份未注明'}），按原文保存",
                )
            )
    return rule, flags


@dataclass(frozen=True)
class Stated:
    """A target as stated, for cross-target checks."""

    key: str
    jurisdiction: str
    topic: str
    target_year: int | None
    target_value: Decimal | None
    target_text: str
    source: str


def contradictions(targets: list[Stated]) -> dict[str, list[Flag]]:
    """Targets on the same topic, place and year that state different figures."""
    groups: dict[tuple, list[Stated]] = {}
    for t in targets:
        if t.topic and t.target_value is not None:
            groups.setdefault((t.jurisdiction, t.topic, t.target_year), []).append(t)
    flags: dict[str, list[Flag]] = {}
    for members in groups.values():
        for t in members:
            others = [o for o in members if o.target_value != t.target_value]
            for o in others:
                flags.setdefault(t.key, []).append(
                    Flag(
                        "warn",
                        f"与同一指标的另一处表述不一致：{o.source} 写作「{o.target_text}」，"
                        f"此处为「{t.target_text}」",
                    )
                )
    return flags


@dataclass(frozen=True)
class RollUp:
    """A target split into parts (e.g. by district): the parts' sum against the whole."""

    parts: list[tuple[str, Decimal | None]]
    total: Decimal
    whole: Decimal | None
    comparator: str

    @property
    def agrees(self) -> bool:
        return self.whole is not None and self.total == self.whole

    @property
    def flag(self) -> Flag | None:
        if self.agrees or self.whole is None:
            return None
        return Flag(
            "warn",
            f"分项合计 {fmt(self.total)} 与总目标 {fmt(self.whole)} 不一致（按原文保存）",
        )


def roll_up(
    whole: Decimal | None, comparator: str, parts: list[tuple[str, Decimal | None]]
) -> RollUp:
    total = sum((v for _, v in parts if v is not None), Decimal(0))
    return RollUp(parts=parts, total=total, whole=whole, comparator=comparator)


def fmt(value: Decimal | None) -> str:
    """An exact decimal without trailing zeros: Decimal('8.0000') → '8', 36.1200 → '36.12'."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def bar_percent(value: Decimal | None, target: Decimal | None) -> int:
    """Width of a bar segment in whole percent of the target, capped at 100."""
    if value is None or not target or target <= 0:
        return 0
    return int(min(Decimal(100), value * 100 / target))
