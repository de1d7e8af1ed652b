"""Upload of yearly figures, monthly figures and funding sources from a sheet (XLSX/CSV).

All-or-nothing: every row is checked first; one error and nothing is written. Columns are found by
their Chinese header; a blank amount cell leaves the stored figure as it is."""

import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from tracker.audit.services import Actor, record
from tracker.dataio.tables import Sheet, TableError, normalise_header, read_table
from tracker.finance.logic import exact_text, exceeds_margin, period_text, year_in_period
from tracker.finance.models import FUNDING_SOURCES
from tracker.finance.services import (
    FundingInput,
    MonthInput,
    YearInput,
    project_finance,
    save_project_finance,
)
from tracker.money import MoneyError, parse_amount
from tracker.projects.models import Project

AMOUNT_HEADER = re.compile(r"^(年度计划投资|计划投资|完成投资|金额|资金金额)(?:（(万元|亿元)）)?$")
AMOUNT_KEYS = {"年度计划投资": "planned", "计划投资": "planned", "完成投资": "completed"}
TEXT_HEADERS = {
    "项目编号": "code",
    "年度": "year",
    "年份": "year",
    "月份": "month",
    "资金来源": "source",
}
TEMPLATE_HEADERS = [
    "项目编号",
    "年度",
    "月份",
    "年度计划投资（万元）",
    "完成投资（万元）",
    "资金来源",
    "金额（万元）",
]


@dataclass
class UploadOutcome:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    projects: int = 0
    changes: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _columns(header: list[str]) -> dict[str, tuple[int, str]]:
    """Known column → (index, unit); unknown columns are ignored."""
    found = {}
    for index, text in enumerate(header):
        name = normalise_header(text)
        if name in TEXT_HEADERS:
            found.setdefault(TEXT_HEADERS[name], (index, ""))
            continue
        match = AMOUNT_HEADER.match(name)
        if match:
            key = AMOUNT_KEYS.get(match.group(1), "amount")
            found.setdefault(key, (index, match.group(2) or "万元"))
    return found


def _find_header(sheet: Sheet) -> int | None:
    for position, row in enumerate(sheet.rows[:10]):
        if "项目编号" in {normalise_header(c) for c in row}:
            return position
    return None


def _cell(row: list[str], columns: dict, key: str) -> str:
    if key not in columns:
        return ""
    index = columns[key][0]
    return (row[index] if index < len(row) else "").strip()


def _amount(row, columns, key, number, errors, label) -> int | None:
    text = _cell(row, columns, key)
    if not text:
        return None
    unit = columns[key][1]
    try:
        return parse_amount(text, unit)
    except MoneyError as exc:
        errors.append(f"第 {number} 行「{label}（{unit}）」：{exc}")
        return None


def _year(text: str, number: int, errors: list[str], label: str, low: int, high: int) -> int | None:
    cleaned = text.removesuffix("年").removesuffix("月")
    if cleaned.endswith(".0"):  # a whole number typed into a numeric Excel cell
        cleaned = cleaned[:-2]
    if not cleaned.isdigit() or not low <= int(cleaned) <= high:
        errors.append(f"第 {number} 行：{label}「{text}」无效")
        return None
    return int(cleaned)


def upload_finance(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    margin_percent: int,
    dry_run: bool = False,
) -> UploadOutcome:
    outcome = UploadOutcome(dry_run=dry_run)
    try:
        sheet = read_table(data, filename)
    except TableError as exc:
        outcome.errors.append(str(exc))
        return outcome
    header_at = _find_header(sheet)
    if header_at is None:
        outcome.errors.append("找不到表头：第一行（或标题下的一行）必须有「项目编号」列")
        return outcome
    columns = _columns(sheet.rows[header_at])
    has_years = "year" in columns and ("planned" in columns or "completed" in columns)
    has_funding = "source" in columns and "amount" in columns
    if not (has_years or has_funding):
        outcome.errors.append(
            "表头缺少数据列：需要「年度」和「年度计划投资（万元）」或「完成投资（万元）」，"
            "或「资金来源」和「金额（万元）」"
        )
        return outcome
    projects = {p.code: p for p in session.exec(select(Project))}
    # keyed by project code
    years: dict[str, dict] = {}
    months: dict[str, dict] = {}
    funds: dict[str, dict] = {}
    seen: dict[tuple, int] = {}
    for row, number in zip(
        sheet.rows[header_at + 1 :], sheet.numbers[header_at + 1 :], strict=True
    ):
        if not any(cell.strip() for cell in row):
            continue
        outcome.rows += 1
        errors = outcome.errors
        code = _cell(row, columns, "code")
        if not code:
            errors.append(f"第 {number} 行：缺少项目编号")
            continue
        project = projects.get(code)
        if project is None:
            errors.append(f"第 {number} 行：项目编号「{code}」不存在")
            continue
        year_text = _cell(row, columns, "year")
        if has_years and year_text:
            _year_row(row, number, columns, project, year_text, seen, years, months, errors)
        source = _cell(row, columns, "source")
        if has_funding and source:
            _funding_row(row, number, columns, project, source, seen, funds, errors)
        if not (has_years and year_text) and not (has_funding and source):
            errors.append(f"第 {number} 行：没有填写年度或资金来源")
    if not outcome.rows and not outcome.errors:
        outcome.errors.append("表中没有数据行")
    if outcome.errors:
        return outcome
    touched = set(years) | set(months) | set(funds)
    outcome.projects = len(touched)
    for code in sorted(touched):
        project = projects[code]
        outcome.changes += _apply(
            session, actor, project, years, months, funds, margin_percent, outcome, dry_run
        )
    if not dry_run:
        record(
            session,
            actor=actor,
            action="upload",
            entity="investment",
            detail=f"{filename}：{outcome.rows} 行，{outcome.projects} 个项目，{outcome.changes} 处改动",
        )
        session.flush()
    return outcome


def _year_row(row, number, columns, project, year_text, seen, years, months, errors) -> None:
    year = _year(year_text, number, errors, "年度", 1900, 2200)
    month_text = _cell(row, columns, "month")
    month = _year(month_text, number, errors, "月份", 1, 12) if month_text else None
    planned = _amount(row, columns, "planned", number, errors, "年度计划投资")
    completed = _amount(row, columns, "completed", number, errors, "完成投资")
    if year is None or (month_text and month is None):
        return
    if not year_in_period(year, project.start_year, project.end_year):
        errors.append(
            f"第 {number} 行：{year} 年不在项目「{project.name}」的项目期限"
            f"（{period_text(project.start_year, project.end_year)}）内"
        )
        return
    key = (project.code, year, month)
    if key in seen:
        what = f"{year}年{month}月" if month else f"{year}年"
        errors.append(f"第 {number} 行：与第 {seen[key]} 行重复（{project.code} {what}）")
        return
    seen[key] = number
    target = months if month else years
    target.setdefault(project.code, {})[(year, month) if month else year] = (
        planned,
        completed,
        number,
    )


def _funding_row(row, number, columns, project, source, seen, funds, errors) -> None:
    if source not in FUNDING_SOURCES:
        errors.append(f"第 {number} 行：资金来源「{source}」不在 {'、'.join(FUNDING_SOURCES)} 之中")
        return
    amount = _amount(row, columns, "amount", number, errors, "金额")
    if amount is None:
        if not _cell(row, columns, "amount"):
            errors.append(f"第 {number} 行：资金来源「{source}」缺少金额")
        return
    key = (project.code, "source", source)
    if key in seen:
        errors.append(f"第 {number} 行：与第 {seen[key]} 行重复（{project.code} {source}）")
        return
    seen[key] = number
    funds.setdefault(project.code, {})[source] = (amount, number)


def _merge(stored: dict, given: dict) -> dict:
    merged = dict(stored)
    for key, (planned, completed, _number) in given.items():
        old = merged.get(key, (None, None))
        merged[key] = (
            planned if planned is not None else old[0],
            completed if completed is not None else old[1],
        )
    return merged


def _apply(session, actor, project, years, months, funds, margin, outcome, dry_run) -> int:
    stored = project_finance(session, project)
    year_values = _merge(
        {y.year: (y.planned_fen, y.completed_fen) for y in stored.years},
        years.get(project.code, {}),
    )
    month_values = _merge(
        {(m.year, m.month): (m.planned_fen, m.completed_fen) for m in stored.months},
        months.get(project.code, {}),
    )
    fund_values = {f.source: (f.amount_fen, f.note) for f in stored.funding}
    for source, (amount, _number) in funds.get(project.code, {}).items():
        fund_values[source] = (amount, fund_values.get(source, (0, ""))[1])
    for key, (_p, _c, number) in {
        **years.get(project.code, {}),
        **months.get(project.code, {}),
    }.items():
        planned, completed = (year_values if key in year_values else month_values)[key]
        if exceeds_margin(planned, completed, margin):
            outcome.warnings.append(
                f"第 {number} 行：{project.code} 完成投资 {exact_text(completed, '万元')} 万元"
                f"超过计划 {exact_text(planned, '万元')} 万元的 {100 + margin}%（仅提示，已照常接受）"
            )
    if dry_run:
        return 0
    changes = save_project_finance(
        session,
        actor=actor,
        project=project,
        years=[YearInput(y, p, c) for y, (p, c) in sorted(year_values.items())],
        months=[MonthInput(y, m, p, c) for (y, m), (p, c) in sorted(month_values.items())],
        funding=[FundingInput(s, a, n) for s, (a, n) in fund_values.items()],
        expected_version=None,
    )
    return len(changes)
