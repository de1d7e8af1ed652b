"""Loading data/jurisdictions.csv and data/targets.csv: validated as a whole, then upserted by key."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlmodel import Session, select

from tracker.audit import Actor, apply_change, record
from tracker.targets.models import COMPARATORS, LEVELS, UNITS, Jurisdiction, Plan, Target

DATA = Path(__file__).resolve().parent.parent.parent / "data"
TARGETS_FILE = DATA / "targets.csv"
JURISDICTIONS_FILE = DATA / "jurisdictions.csv"
TARGET_COLUMNS = [
    "key",
    "plan",
    "plan_period",
    "plan_document",
    "jurisdiction",
    "indicator",
    "topic",
    "unit",
    "comparator",
    "baseline",
    "baseline_year",
    "target_text",
    "target",
    "target_year",
    "rule",
    "parent",
    "source_file",
    "source_line",
    "also_lines",
    "note",
]


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _year(value: str, label: str, line: int, errors: list[str]) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1949 <= int(value) <= 2100:
        errors.append(f"第{line}行：{label}「{value}」不是 1949–2100 之间的年份")
        return None
    return int(value)


def _decimal(value: str, label: str, line: int, errors: list[str]) -> Decimal | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        errors.append(f"第{line}行：{label}「{value}」不是数字")
        return None
    if not number.is_finite() or number < 0:
        errors.append(f"第{line}行：{label}「{value}」应为非负数")
        return None
    return number


def _period(text: str) -> tuple[int | None, int | None]:
    parts = [p for p in text.replace("—", "-").replace("–", "-").split("-") if p.strip()]
    years = [int(p) for p in parts if p.strip().isdigit()]
    if not years:
        return None, None
    return years[0], years[-1]


def load_jurisdictions(session: Session, text: str) -> LoadResult:
    """Upsert the jurisdiction tree by path; parents must come before children."""
    result = LoadResult()
    existing = {j.path: j for j in session.exec(select(Jurisdiction))}
    for number, row in enumerate(_rows(text), start=2):
        path = "/".join(p.strip() for p in (row.get("path") or "").split("/") if p.strip())
        level = (row.get("level") or "").strip()
        if not path:
            result.errors.append(f"第{number}行：缺少区域路径")
            continue
        if level not in LEVELS:
            result.errors.append(
                f"第{number}行：层级「{level}」无法识别（可用：{'、'.join(LEVELS)}）"
            )
            continue
        parent_path, _, name = path.rpartition("/")
        parent = existing.get(parent_path) if parent_path else None
        if parent_path and parent is None:
            result.errors.append(f"第{number}行：上级区域「{parent_path}」应写在本行之前")
            continue
        values = {
            "name": name,
            "level": level,
            "division_code": (row.get("division_code") or "").strip(),
            "source": (row.get("source") or "").strip(),
            "parent_id": parent.id if parent else None,
        }
        node = existing.get(path)
        if node is None:
            node = Jurisdiction(path=path, **values)
            result.created += 1
        elif any(getattr(node, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(node, k, v)
            result.updated += 1
        else:
            result.unchanged += 1
        session.add(node)
        session.flush()
        existing[path] = node
    return result


def _target_values(row: dict, number: int, known_paths: set[str], errors: list[str]) -> dict:
    missing = [c for c in ("key", "plan", "jurisdiction", "indicator", "unit") if not row.get(c)]
    if missing:
        errors.append(f"第{number}行：缺少 {'、'.join(missing)}")
        return {}
    jurisdiction = row["jurisdiction"].strip().strip("/")
    if jurisdiction not in known_paths:
        errors.append(f"第{number}行：区域「{jurisdiction}」不在区域表（data/jurisdictions.csv）中")
    unit = row["unit"].strip()
    if unit not in UNITS:
        errors.append(f"第{number}行：单位「{unit}」无法识别（可用：{'、'.join(UNITS)}）")
    comparator = (row.get("comparator") or "≥").strip() or "≥"
    if comparator not in COMPARATORS:
        errors.append(
            f"第{number}行：比较方式「{comparator}」无法识别（可用：{'、'.join(COMPARATORS)}）"
        )
    line = (row.get("source_line") or "").strip()
    if line and not line.isdigit():
        errors.append(f"第{number}行：来源行号「{line}」不是整数")
    return {
        "jurisdiction": jurisdiction,
        "indicator": row["indicator"].strip(),
        "topic": (row.get("topic") or "").strip(),
        "unit": unit,
        "comparator": comparator,
        "baseline": _decimal(row.get("baseline"), "基线值", number, errors),
        "baseline_year": _year(row.get("baseline_year"), "基线年份", number, errors),
        "target_text": (row.get("target_text") or row.get("target") or "").strip(),
        "target_value": _decimal(row.get("target"), "目标值", number, errors),
        "target_year": _year(row.get("target_year"), "目标年份", number, errors),
        "rule": (row.get("rule") or "").strip(),
        "parent_key": (row.get("parent") or "").strip(),
        "source_file": (row.get("source_file") or "").strip(),
        "source_line": int(line) if line.isdigit() else None,
        "also_lines": (row.get("also_lines") or "").strip(),
        "note": (row.get("note") or "").strip(),
    }


def load_targets(session: Session, *, actor: Actor, text: str) -> LoadResult:
    """All rows or none: every row is checked first; then plans and targets are upserted by key.
    Odd but readable targets (bad rule, unit mismatch, years reversed) are stored and flagged."""
    result = LoadResult()
    rows = _rows(text)
    if rows and "key" not in rows[0]:
        result.errors.append(f"缺少表头；应为：{','.join(TARGET_COLUMNS)}")
        return result
    known_paths = set(session.exec(select(Jurisdiction.path)))
    parsed = []
    for number, row in enumerate(rows, start=2):
        values = _target_values(row, number, known_paths, result.errors)
        if values:
            parsed.append((number, row, values))
    keys = [row["key"].strip() for _, row, _ in parsed]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        result.errors.append(f"目标编号重复：{'、'.join(duplicates)}")
    stored_keys = set(session.exec(select(Target.key)))
    for number, _, values in parsed:
        parent = values["parent_key"]
        if parent and parent not in keys and parent not in stored_keys:
            result.errors.append(f"第{number}行：上级目标「{parent}」不存在")
    if result.errors:
        return result
    plans = {p.name: p for p in session.exec(select(Plan))}
    targets = {t.key: t for t in session.exec(select(Target))}
    for position, (_, row, values) in enumerate(parsed):
        plan = _upsert_plan(session, plans, row, values["jurisdiction"])
        _upsert_target(session, actor, targets, row["key"].strip(), plan, position, values, result)
    session.flush()
    return result


def _upsert_plan(session: Session, plans: dict, row: dict, jurisdiction: str) -> Plan:
    name = row["plan"].strip()
    period = (row.get("plan_period") or "").strip()
    start, end = _period(period)
    values = {
        "period_text": period,
        "start_year": start,
        "end_year": end,
        "document": (row.get("plan_document") or "").strip(),
        "source_file": (row.get("source_file") or "").strip(),
    }
    plan = plans.get(name)
    if plan is None:
        plan = Plan(name=name, jurisdiction=jurisdiction, **values)
        session.add(plan)
        session.flush()
        plans[name] = plan
    elif any(getattr(plan, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(plan, k, v)
        session.add(plan)
    return plan


def _upsert_target(session, actor, targets, key, plan, position, values, result) -> None:
    target = targets.get(key)
    if target is None:
        target = Target(key=key, plan_id=plan.id, position=position, **values)
        session.add(target)
        session.flush()
        targets[key] = target
        record(
            session,
            actor=actor,
            action="create",
            entity="target",
            entity_id=key,
            detail=target.indicator,
        )
        result.created += 1
        return
    target.position = position
    changes = apply_change(
        session,
        actor=actor,
        record=target,
        expected_version=None,
        entity="target",
        entity_id=key,
        values=values | {"plan_id": plan.id},
        flush=False,
    )
    if changes:
        result.updated += 1
    else:
        result.unchanged += 1
