"""Forms of the finance domain (Flask-WTF, CSRF on): one project's figures, and the sheet upload."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from tracker.audit import KeepsInput
from tracker.finance.logic import UNITS, period_text, year_in_period
from tracker.finance.models import FUNDING_SOURCES
from tracker.finance.services import FundingInput, MonthInput, YearInput
from tracker.money import MoneyError, parse_amount


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


class FinanceForm(KeepsInput, FlaskForm):
    # Changed only by reloading the page (?unit=亿元), which re-renders the figures in that unit:
    # a drop-down would let typed 万元 figures be read as 亿元.
    unit = HiddenField(default="万元")
    version = HiddenField()
    years = FieldList(FormField(YearRow), min_entries=0)
    months = FieldList(FormField(MonthRow), min_entries=0)
    funding = FieldList(FormField(FundingRow), min_entries=0)


class UploadForm(FlaskForm):
    file = FileField("投资数据表（CSV 或 XLSX）", validators=[FileRequired("请选择要上传的文件")])
    dry_run = BooleanField("只检查，不写入")


def _amount(field, unit: str) -> int | None:
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return parse_amount(text, unit)
    except MoneyError as exc:
        field.errors = [*field.errors, str(exc)]
        return None


def read_inputs(form: FinanceForm, project, month_year: int):
    """The figures in the form as inputs for save_project_finance; errors go onto the fields.

    Returns (years, months, funding, ok)."""
    unit = form.unit.data if form.unit.data in UNITS else "万元"
    ok = True
    years, seen = [], set()
    for row in form.years:
        if row.remove.data:
            continue
        text = (row.year.data or "").strip().removesuffix("年")
        planned, completed = _amount(row.planned, unit), _amount(row.completed, unit)
        if not text and planned is None and completed is None and not row.planned.errors:
            continue  # a blank row
        if not text.isdigit() or not 1900 <= int(text) <= 2200:
            row.year.errors = [*row.year.errors, f"「{text}」不是年份"]
        elif not year_in_period(int(text), project.start_year, project.end_year):
            period = period_text(project.start_year, project.end_year)
            row.year.errors = [*row.year.errors, f"{text} 年不在项目期限（{period}）内"]
        elif int(text) in seen:
            row.year.errors = [*row.year.errors, f"{text} 年填写了两次"]
        if row.year.errors or row.planned.errors or row.completed.errors:
            ok = False
            continue
        seen.add(int(text))
        years.append(YearInput(int(text), planned, completed))
    months = []
    for row in form.months:
        planned, completed = _amount(row.planned, unit), _amount(row.completed, unit)
        month = (row.month.data or "").strip()
        if row.planned.errors or row.completed.errors or not month.isdigit():
            ok = ok and month.isdigit() and not (row.planned.errors or row.completed.errors)
            continue
        if planned is not None or completed is not None:
            months.append(MonthInput(month_year, int(month), planned, completed))
    funding, sources = [], set()
    for row in form.funding:
        if row.remove.data:
            continue
        amount = _amount(row.amount, unit)
        source = row.source.data or ""
        if not source and amount is None and not row.amount.errors:
            continue
        if not source:
            row.source.errors = [*row.source.errors, "请选择资金来源"]
        elif source in sources:
            row.source.errors = [*row.source.errors, f"「{source}」填写了两次，请合并为一行"]
        if amount is None and not row.amount.errors:
            row.amount.errors = [*row.amount.errors, "请填写金额"]
        if row.source.errors or row.amount.errors:
            ok = False
            continue
        sources.add(source)
        funding.append(FundingInput(source, amount, (row.note.data or "").strip()[:200]))
    return years, months, funding, ok
