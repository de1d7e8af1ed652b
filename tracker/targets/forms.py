"""Forms of the targets pages (CSRF on): a target's fields, linking a project, undoing a link."""

from decimal import Decimal, InvalidOperation

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from tracker.audit import KeepsInput
from tracker.targets.logic import RuleError, fmt, parse_rule, unit_problem
from tracker.targets.models import COMPARATORS, UNITS

KINDS = [SelectChoice("include", "计入此目标"), SelectChoice("exclude", "不计入（排除规则匹配）")]


class LinkForm(KeepsInput, FlaskForm):
    project_code = StringField(
        "项目编号", validators=[DataRequired("请填写项目编号"), Length(max=40)]
    )
    kind = SelectField("方式", choices=KINDS, default="include")
    version = HiddenField()


class UnlinkForm(KeepsInput, FlaskForm):
    project_code = HiddenField(validators=[DataRequired()])
    version = HiddenField()


def version_of(form) -> int | None:
    value = (form.version.data or "").strip()
    return int(value) if value.isdigit() else None


class WholeNumberField(IntegerField):
    """An IntegerField whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        if not text.isdigit():
            self.data = None
            raise ValueError(f"「{text}」不是整数（年份请写阿拉伯数字，如 2025）")
        self.data = int(text)


def _decimal_check(form, field):
    text = (field.data or "").strip().replace(",", "")
    if not text:
        return
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(f"「{field.data.strip()}」不是数字") from exc
    if not value.is_finite() or value < 0:
        raise ValidationError(f"「{field.data.strip()}」应为非负数")


def _rule_check(form, field):
    try:
        rule = parse_rule(field.data)
    except RuleError as exc:
        raise ValidationError(str(exc)) from exc
    problem = unit_problem(rule, form.unit.data)
    if problem:
        raise ValidationError(problem)


def _years_check(form, field):
    target_year = form.target_year.data
    if field.data is not None and target_year is not None and field.data > target_year:
        raise ValidationError(f"基线年份（{field.data}）晚于目标年份（{target_year}），请核对原文")


YEAR = [Optional(), NumberRange(1949, 2100, "年份应在 1949–2100 之间")]


class TargetForm(KeepsInput, FlaskForm):
    """Add or correct a target by hand (the seed file is the other way in)."""

    indicator = TextAreaField(
        "指标（按原文）", validators=[DataRequired("请填写指标原文"), Length(max=2000)]
    )
    jurisdiction = SelectField("区域", choices=[])
    topic = StringField("指标主题（同主题同年份的目标应一致）", validators=[Length(max=100)])
    unit = SelectField("单位", choices=[SelectChoice(u, u) for u in UNITS])
    comparator = SelectField(
        "比较方式", choices=[SelectChoice(k, f"{k}（{v}）") for k, v in COMPARATORS.items()]
    )
    target_text = StringField("目标（原文写法）", validators=[Length(max=40)])
    target_value = StringField("目标值", validators=[DataRequired("请填写目标值"), _decimal_check])
    target_year = WholeNumberField("目标年份", validators=YEAR)
    baseline = StringField("基线值", validators=[_decimal_check])
    baseline_year = WholeNumberField("基线年份", validators=[*YEAR, _years_check])
    rule = StringField(
        "计算规则", validators=[DataRequired("请填写计算规则"), Length(max=500), _rule_check]
    )
    source_file = StringField("来源文件", validators=[Length(max=200)])
    source_line = WholeNumberField("来源行号", validators=[Optional(), NumberRange(1, 10**7)])
    note = TextAreaField("说明", validators=[Length(max=2000)])
    version = HiddenField()

    FIELDS = (
        "indicator",
        "jurisdiction",
        "topic",
        "unit",
        "comparator",
        "target_text",
        "target_value",
        "target_year",
        "baseline",
        "baseline_year",
        "rule",
        "source_file",
        "source_line",
        "note",
    )

    @classmethod
    def for_target(cls, target, jurisdictions) -> "TargetForm":
        """The edit form: filled from the target on GET, from the request on POST."""
        form = cls._with_places(jurisdictions)
        if request.method == "GET":
            form.fill(target)
        return form

    @classmethod
    def for_plan(cls, plan, jurisdictions) -> "TargetForm":
        """A new target of `plan`: its place and source document proposed on GET."""
        form = cls._with_places(jurisdictions)
        if request.method == "GET":
            form.jurisdiction.data = plan.jurisdiction
            form.source_file.data = plan.source_file
        return form

    @classmethod
    def _with_places(cls, jurisdictions) -> "TargetForm":
        form = cls()
        form.jurisdiction.choices = [SelectChoice(o.path, o.path) for o in jurisdictions]
        return form

    def fill(self, target) -> None:
        for name in self.FIELDS:
            value = getattr(target, name)
            if name in ("target_value", "baseline"):
                value = fmt(value)
            getattr(self, name).data = value
        self.version.data = str(target.version)

    def values(self) -> dict:
        values = {}
        for name in self.FIELDS:
            value = getattr(self, name).data
            if name in ("target_value", "baseline"):
                text = (value or "").strip().replace(",", "")
                value = Decimal(text) if text else None
            elif isinstance(value, str):
                value = value.strip()
            values[name] = value
        values["target_text"] = values["target_text"] or fmt(values["target_value"])
        return values
