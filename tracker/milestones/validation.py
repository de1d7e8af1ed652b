"""Checking a submitted milestone plan (pure): dates that exist, no actual date in the future,
no forecast before the project started, phases in order. Messages are Chinese and name the row."""

import re
from dataclasses import dataclass, replace
from datetime import date

from tracker.milestones.models import MILESTONE_STATUSES

_DATE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*$")


class DateError(ValueError):
    pass


def parse_date(text: str | None) -> date | None:
    """'2024-03-05' (also 2024/3/5, 2024年3月5日) → date; '' → None; 2024-02-30 → DateError."""
    text = (text or "").strip()
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise DateError(f"「{text}」不是日期，请按 2024-03-05 的格式填写")
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise DateError(f"「{text}」不是有效日期（该月没有这一天）") from exc


@dataclass(frozen=True)
class RowInput:
    """One submitted row, as typed."""

    id: int | None
    name: str
    position: int
    planned: str = ""
    forecast: str = ""
    actual: str = ""
    status: str = "未开始"
    slip_reason: str = ""
    responsible_person: str = ""
    responsible_unit: str = ""
    note: str = ""
    delete: bool = False
    confirm: bool = False


@dataclass(frozen=True)
class CleanRow:
    id: int | None
    name: str
    position: int
    planned_on: date | None
    forecast_on: date | None
    actual_on: date | None
    status: str
    slip_reason: str
    responsible_person: str
    responsible_unit: str
    note: str
    confirm: bool


@dataclass(frozen=True)
class RowError:
    index: int  # position in the submitted list
    field: str
    message: str


LIMITS = {
    "name": 60,
    "responsible_person": 60,
    "responsible_unit": 100,
    "slip_reason": 500,
    "note": 1000,
}
LABELS = {"planned": "计划日期", "forecast": "预测日期", "actual": "实际完成日期"}


def _blank(row: RowInput) -> bool:
    return not any(
        (row.name.strip(), row.planned.strip(), row.forecast.strip(), row.actual.strip())
    )


def check_plan(
    rows: list[RowInput], *, today: date, start_year: int | None
) -> tuple[list[CleanRow], list[RowError]]:
    """Clean rows (deleted and blank new rows dropped, ordered by position) or the errors."""
    errors: list[RowError] = []
    clean: list[tuple[int, CleanRow]] = []
    project_start = date(start_year, 1, 1) if start_year else None
    names: dict[str, int] = {}
    for index, row in enumerate(rows):
        if row.delete or (row.id is None and _blank(row)):
            continue
        err = lambda f, m, i=index: errors.append(RowError(i, f, m))  # noqa: E731
        name = row.name.strip()
        if not name:
            err("name", "请填写阶段名称")
        elif name in names:
            err("name", f"阶段「{name}」重复了")
        names[name] = index
        for key, limit in LIMITS.items():
            if len(getattr(row, key).strip()) > limit:
                err(key, f"内容过长（最多 {limit} 字）")
        dates = {}
        for key in ("planned", "forecast", "actual"):
            try:
                dates[key] = parse_date(getattr(row, key))
            except DateError as exc:
                err(key, f"{LABELS[key]}{exc}")
                dates[key] = None
        if dates["actual"] and dates["actual"] > today:
            err(
                "actual",
                f"实际完成日期 {dates['actual']} 晚于今天（{today}），请填写已经发生的日期",
            )
        if dates["forecast"] and project_start and dates["forecast"] < project_start:
            err("forecast", f"预测日期 {dates['forecast']} 早于项目开始（{start_year} 年）")
        status = row.status if row.status in MILESTONE_STATUSES else "未开始"
        if status == "已完成" and not dates["actual"]:
            err("actual", "标记为已完成时请填写实际完成日期")
        if dates["actual"]:
            status = "已完成"
        elif status == "已完成":
            status = "进行中"
        slipping = dates["forecast"] and dates["planned"] and dates["forecast"] > dates["planned"]
        if slipping and not dates["actual"] and not row.slip_reason.strip():
            err("slip_reason", "预测晚于计划，请填写延误原因")
        clean.append(
            (
                index,
                CleanRow(
                    id=row.id,
                    name=name,
                    position=row.position,
                    planned_on=dates["planned"],
                    forecast_on=dates["forecast"],
                    actual_on=dates["actual"],
                    status=status,
                    slip_reason=row.slip_reason.strip(),
                    responsible_person=row.responsible_person.strip(),
                    responsible_unit=row.responsible_unit.strip(),
                    note=row.note.strip(),
                    confirm=row.confirm,
                ),
            )
        )
    clean.sort(key=lambda pair: (pair[1].position, pair[0]))
    errors += _order_errors(clean)
    if not clean and not errors:
        errors.append(RowError(0, "name", "至少保留一个阶段"))
    ordered = [replace(row, position=i + 1) for i, (_, row) in enumerate(clean)]
    return ordered, errors


def _order_errors(clean: list[tuple[int, CleanRow]]) -> list[RowError]:
    """Planned dates, and actual dates, must not go backwards along the phases."""
    errors = []
    for attr, label in (("planned_on", "计划日期"), ("actual_on", "实际完成日期")):
        previous = None
        for index, row in clean:
            value = getattr(row, attr)
            if value is None:
                continue
            if previous is not None and value < getattr(previous, attr):
                errors.append(
                    RowError(
                        index,
                        attr.removesuffix("_on"),
                        f"阶段顺序有误：「{row.name}」的{label} {value} 早于前一阶段"
                        f"「{previous.name}」的 {getattr(previous, attr)}",
                    )
                )
            previous = row
    return errors
