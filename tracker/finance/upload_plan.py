"""The finance upload's plan: every row of the sheet checked against the projects and their stored
figures, the figures merged over the stored ones; pure (nothing is written, the stored figures
come in through a function)."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tracker.finance.logic import exact_text, exceeds_margin, period_text, year_in_period
from tracker.finance.models import FUNDING_SOURCES
from tracker.finance.services import FundingInput, MonthInput, ProjectFinance, YearInput
from tracker.money import MoneyError, parse_amount
from tracker.projects.models import Project
from tracker.tabular import Plan, Problem, Table, formula_findings
from tracker.tabular import normalise_header as _normalise

AMOUNT_HEADER = re.compile(r"^(年度计划投资|计划投资|完成投资|金额|资金金额)(?:（(万元|亿元)）)?$")
AMOUNT_KEYS = {"年度计划投资": "planned", "计划投资": "planned", "完成投资": "completed"}
AMOUNT_LABELS = {"planned": "年度计划投资", "completed": "完成投资", "amount": "金额"}
TEXT_HEADERS = {
    "项目编号": "code",
    "年度": "year",
    "年份": "year",
    "月份": "month",
    "资金来源": "source",
}
TEXT_LABELS = {"code": "项目编号", "year": "年度", "month": "月份", "source": "资金来源"}
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
class ProjectFigures:
    """What the sheet gives for one project: {year: (planned, completed, line)},
    {(year, month): (…)}, {source: (amount, line)}."""

    project: Project
    years: dict = field(default_factory=dict)
    months: dict = field(default_factory=dict)
    funds: dict = field(default_factory=dict)


@dataclass
class FinancePlan(Plan):
    """rows: the merged figures to save, one (project, years, months, funding) per project."""

    data_rows: int = 0


def _columns(header: list[str]) -> dict[str, tuple[int, str]]:
    """Known column → (index, unit); unknown columns are ignored."""
    found = {}
    for index, text in enumerate(header):
        name = _normalise(text)
        if name in TEXT_HEADERS:
            found.setdefault(TEXT_HEADERS[name], (index, ""))
            continue
        match = AMOUNT_HEADER.match(name)
        if match:
            key = AMOUNT_KEYS.get(match.group(1), "amount")
            found.setdefault(key, (index, match.group(2) or "万元"))
    return found


def _label(columns: dict, key: str) -> str:
    if key in AMOUNT_LABELS:
        return f"{AMOUNT_LABELS[key]}（{columns[key][1]}）"
    return TEXT_LABELS[key]


def _find_header(table: Table) -> int | None:
    for position, row in enumerate(table.rows[:10]):
        if "项目编号" in {_normalise(c) for c in row}:
            return position
    return None


class _Row:
    """One sheet row being checked: its cells by key, and where its problems go."""

    def __init__(self, cells: list[str], line: int, columns: dict, errors: list[Problem]):
        self.cells, self.line, self.columns, self.errors = cells, line, columns, errors

    def text(self, key: str) -> str:
        if key not in self.columns:
            return ""
        index = self.columns[key][0]
        return (self.cells[index] if index < len(self.cells) else "").strip()

    def error(self, key: str, message: str) -> None:
        self.errors.append(Problem(self.line, _label(self.columns, key) if key else "", message))

    def amount(self, key: str) -> int | None:
        text = self.text(key)
        if not text:
            return None
        try:
            return parse_amount(text, self.columns[key][1])
        except MoneyError as exc:
            self.error(key, str(exc))
            return None

    def number(self, key: str, low: int, high: int) -> int | None:
        text = self.text(key)
        cleaned = text.removesuffix("年").removesuffix("月")
        if cleaned.endswith(".0"):  # a whole number typed into a numeric Excel cell
            cleaned = cleaned[:-2]
        if not (cleaned.isascii() and cleaned.isdigit()) or not low <= int(cleaned) <= high:
            self.error(key, f"{TEXT_LABELS[key]}「{text}」无效")
            return None
        return int(cleaned)


def plan_upload(
    table: Table,
    *,
    projects: Mapping[str, Project],
    stored: Callable[[Project], ProjectFinance],
    margin_percent: int,
) -> FinancePlan:
    """Check every row; merge the figures given with the stored ones; nothing is written."""
    plan = FinancePlan()
    header_at = _find_header(table)
    if header_at is None:
        plan.errors.append(
            Problem(0, "", "找不到表头：第一行（或标题下的一行）必须有「项目编号」列")
        )
        return plan
    columns = _columns(table.rows[header_at])
    has_years = "year" in columns and ("planned" in columns or "completed" in columns)
    has_funding = "source" in columns and "amount" in columns
    if not (has_years or has_funding):
        plan.errors.append(
            Problem(
                table.numbers[header_at],
                "",
                "表头缺少数据列：需要「年度」和「年度计划投资（万元）」或「完成投资（万元）」，"
                "或「资金来源」和「金额（万元）」",
            )
        )
        return plan
    plan.notes, plan.errors = formula_findings(
        table,
        {index: _label(columns, key) for key, (index, _unit) in columns.items()},
        after_line=table.numbers[header_at],
    )
    given: dict[str, ProjectFigures] = {}
    seen: dict[tuple, int] = {}
    for cells, line in zip(
        table.rows[header_at + 1 :], table.numbers[header_at + 1 :], strict=True
    ):
        if not any(cell.strip() for cell in cells):
            continue
        plan.data_rows += 1
        row = _Row(cells, line, columns, plan.errors)
        code = row.text("code")
        if not code:
            row.error("code", "缺少项目编号")
            continue
        if code not in projects:
            row.error("code", f"项目编号「{code}」不存在")
            continue
        figures = given.setdefault(code, ProjectFigures(projects[code]))
        year_text, source = row.text("year"), row.text("source")
        if has_years and year_text:
            _year_row(row, figures, seen)
        if has_funding and source:
            _funding_row(row, figures, source, seen)
        if not (has_years and year_text) and not (has_funding and source):
            row.error("", "没有填写年度或资金来源")
    if not plan.data_rows and not plan.errors:
        plan.errors.append(Problem(0, "", "表中没有数据行"))
    plan.errors.sort(key=lambda e: e.line)
    if plan.errors:
        return plan
    for code in sorted(given):
        figures = given[code]
        plan.rows.append(_merged(figures, stored(figures.project), margin_percent, plan.notes))
    return plan


def _year_row(row: _Row, figures: ProjectFigures, seen: dict) -> None:
    project = figures.project
    year = row.number("year", 1900, 2200)
    month_text = row.text("month")
    month = row.number("month", 1, 12) if month_text else None
    planned, completed = row.amount("planned"), row.amount("completed")
    if year is None or (month_text and month is None):
        return
    if not year_in_period(year, project.start_year, project.end_year):
        row.error(
            "year",
            f"{year} 年不在项目「{project.name}」的项目期限"
            f"（{period_text(project.start_year, project.end_year)}）内",
        )
        return
    key = (project.code, year, month)
    if key in seen:
        what = f"{year}年{month}月" if month else f"{year}年"
        row.error("", f"与第 {seen[key]} 行重复（{project.code} {what}）")
        return
    seen[key] = row.line
    target = figures.months if month else figures.years
    target[(year, month) if month else year] = (planned, completed, row.line)


def _funding_row(row: _Row, figures: ProjectFigures, source: str, seen: dict) -> None:
    code = figures.project.code
    if source not in FUNDING_SOURCES:
        row.error("source", f"资金来源「{source}」不在 {'、'.join(FUNDING_SOURCES)} 之中")
        return
    amount = row.amount("amount")
    if amount is None:
        if not row.text("amount"):
            row.error("amount", f"资金来源「{source}」缺少金额")
        return
    key = (code, "source", source)
    if key in seen:
        row.error("", f"与第 {seen[key]} 行重复（{code} {source}）")
        return
    seen[key] = row.line
    figures.funds[source] = (amount, row.line)


def _merge(stored: dict, given: dict) -> dict:
    merged = dict(stored)
    for key, (planned, completed, _line) in given.items():
        old = merged.get(key, (None, None))
        merged[key] = (
            planned if planned is not None else old[0],
            completed if completed is not None else old[1],
        )
    return merged


def _merged(figures: ProjectFigures, stored: ProjectFinance, margin: int, notes: list) -> tuple:
    """(project, years, months, funding) to save: the sheet's figures over the stored ones, with a
    note for each row whose completed figure exceeds its plan by more than the margin."""
    project = figures.project
    year_values = _merge(
        {y.year: (y.planned_fen, y.completed_fen) for y in stored.years}, figures.years
    )
    month_values = _merge(
        {(m.year, m.month): (m.planned_fen, m.completed_fen) for m in stored.months},
        figures.months,
    )
    fund_values = {f.source: (f.amount_fen, f.note) for f in stored.funding}
    for source, (amount, _line) in figures.funds.items():
        fund_values[source] = (amount, fund_values.get(source, (0, ""))[1])
    for key, (_p, _c, line) in {**figures.years, **figures.months}.items():
        planned, completed = (year_values if key in year_values else month_values)[key]
        if exceeds_margin(planned, completed, margin):
            notes.append(
                Problem(
                    line,
                    "",
                    f"{project.code} 完成投资 {exact_text(completed, '万元')} 万元"
                    f"超过计划 {exact_text(planned, '万元')} 万元的 {100 + margin}%"
                    "（仅提示，已照常接受）",
                )
            )
    return (
        project,
        [YearInput(y, p, c) for y, (p, c) in sorted(year_values.items())],
        [MonthInput(y, m, p, c) for (y, m), (p, c) in sorted(month_values.items())],
        [FundingInput(s, a, n) for s, (a, n) in fund_values.items()],
    )
