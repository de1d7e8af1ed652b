"""Forms of the finance domain (Flask-WTF, CSRF on): one project's figures, and the sheet upload.

The figures form reads its rows into inputs for save_project_finance; every problem goes onto its
own cell, in Chinese."""

from dataclasses import dataclass

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from tracker.audit import KeepsInput
from tracker.finance.logic import UNITS, exact_text, period_text, unit_or_default, year_in_period
from tracker.finance.models import FUNDING_SOURCES
from tracker.finance.services import FundingInput, MonthInput, YearInput
from tracker.money import MoneyError, parse_amount

EXTRA_ROWS, MOST_EXTRA_ROWS = 3, 20


class YearRow(Form):
    year = StringField("年度")
    planned = StringField("年度计划投资")
    completed = StringField("完成投资")
    remove = BooleanField("删除")


class MonthRow(Form):
    month = HiddenField("月份")
    planned = StringField("计划投资")
    completed = StringField("完成投资")


class FundingRow(Form):
    source = SelectField("资金来源", choices=[SelectChoice("", "（请选择）"), *FUNDING_SOURCES])
    amount = StringField("金额")
    note = StringField("说明")
    remove = BooleanField("删除")


@dataclass(frozen=True)
class Entered:
    """The figures of a valid form: the years, the months of `month_year`, the funding sources."""

    years: list[YearInput]
    months: list[MonthInput]
    funding: list[FundingInput]


class FinanceForm(KeepsInput, FlaskForm):
    # Changed only by reloading the page (?unit=亿元), which re-renders the figures in that unit:
    # a drop-down would let typed 万元 figures be read as 亿元.
    unit = HiddenField(default="万元")
    version = HiddenField()
    years = FieldList(FormField(YearRow), min_entries=0)
    months = FieldList(FormField(MonthRow), min_entries=0)
    funding = FieldList(FormField(FundingRow), min_entries=0)

    @classmethod
    def for_sheet(cls, stored, project, month_year: int) -> "FinanceForm":
        """The form as posted, or (on GET) the stored figures in ?unit= with ?extra= blank rows."""
        if request.method != "GET":
            return cls()
        unit = unit_or_default(request.args.get("unit"), "万元")
        extra = request.args.get("extra", EXTRA_ROWS, type=int) or EXTRA_ROWS
        return cls(
            data=_stored_data(
                stored, project, unit, min(MOST_EXTRA_ROWS, max(1, extra)), month_year
            )
        )

    def expected_version(self) -> int | None:
        raw = self.version.data or ""
        return int(raw) if raw.isdigit() else None

    def entered(self, project, month_year: int) -> Entered | None:
        """The figures as inputs, or None when a cell is wrong (its message is on the cell)."""
        unit = self.unit.data if self.unit.data in UNITS else "万元"
        years = _years(self.years, unit, project)
        months = _months(self.months, unit, month_year)
        funding = _funding(self.funding, unit)
        if years is None or months is None or funding is None:
            return None
        return Entered(years, months, funding)


class UploadForm(FlaskForm):
    file = FileField("投资数据表（CSV 或 XLSX）", validators=[FileRequired("请选择要上传的文件")])
    dry_run = BooleanField("只检查，不写入")


def _stored_data(stored, project, unit: str, extra: int, month_year: int) -> dict:
    def shown(fen) -> str:
        return exact_text(fen, unit) or ""

    months = {m.month: m for m in stored.months if m.year == month_year}
    with_months = year_in_period(month_year, project.start_year, project.end_year)
    return {
        "unit": unit,
        "version": str(stored.version),
        "years": [
            {
                "year": str(y.year),
                "planned": shown(y.planned_fen),
                "completed": shown(y.completed_fen),
            }
            for y in stored.years
        ]
        + [{}] * extra,
        "months": [
            {
                "month": str(m),
                "planned": shown(months[m].planned_fen) if m in months else "",
                "completed": shown(months[m].completed_fen) if m in months else "",
            }
            for m in range(1, 13)
        ]
        if with_months
        else [],
        "funding": [
            {"source": s.source, "amount": exact_text(s.amount_fen, unit), "note": s.note}
            for s in stored.funding
        ]
        + [{}] * extra,
    }


def _amount(field, unit: str) -> int | None:
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return parse_amount(text, unit)
    except MoneyError as exc:
        field.errors = [*field.errors, str(exc)]
        return None


def _refuse(field, message: str) -> None:
    field.errors = [*field.errors, message]


def _has_errors(row) -> bool:
    return any(field.errors for field in row)


def _year_problem(text: str, project, seen: set[int]) -> str:
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        return f"「{text}」不是年份"
    if not year_in_period(int(text), project.start_year, project.end_year):
        return f"{text} 年不在项目期限（{period_text(project.start_year, project.end_year)}）内"
    return f"{text} 年填写了两次" if int(text) in seen else ""


def _years(rows, unit: str, project) -> list[YearInput] | None:
    result, seen, ok = [], set(), True
    for entry in rows:
        row = entry.form
        if row.remove.data:
            continue
        text = (row.year.data or "").strip().removesuffix("年")
        planned, completed = _amount(row.planned, unit), _amount(row.completed, unit)
        if not text and planned is None and completed is None and not row.planned.errors:
            continue  # a blank row
        if problem := _year_problem(text, project, seen):
            _refuse(row.year, problem)
        if _has_errors(row):
            ok = False
            continue
        seen.add(int(text))
        result.append(YearInput(int(text), planned, completed))
    return result if ok else None


def _months(rows, unit: str, month_year: int) -> list[MonthInput] | None:
    result, ok = [], True
    for entry in rows:
        row = entry.form
        planned, completed = _amount(row.planned, unit), _amount(row.completed, unit)
        month = (row.month.data or "").strip()
        if not month.isdigit() or _has_errors(row):
            ok = False
        elif planned is not None or completed is not None:
            result.append(MonthInput(month_year, int(month), planned, completed))
    return result if ok else None


def _funding(rows, unit: str) -> list[FundingInput] | None:
    result, sources, ok = [], set(), True
    for entry in rows:
        row = entry.form
        if row.remove.data:
            continue
        amount, source = _amount(row.amount, unit), row.source.data or ""
        if not source and amount is None and not row.amount.errors:
            continue  # a blank row
        if not source:
            _refuse(row.source, "请选择资金来源")
        elif source in sources:
            _refuse(row.source, f"「{source}」填写了两次，请合并为一行")
        if amount is None and not row.amount.errors:
            _refuse(row.amount, "请填写金额")
        if _has_errors(row):
            ok = False
            continue
        sources.add(source)
        result.append(FundingInput(source, amount, (row.note.data or "").strip()[:200]))
    return result if ok else None
