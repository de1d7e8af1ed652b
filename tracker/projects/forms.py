"""The project create/edit form, with field-level Chinese messages."""

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from tracker.audit import KeepsInput
from tracker.money import MoneyError, parse_amount, plain
from tracker.projects.logic import PeriodError, parse_period
from tracker.projects.models import NATURES, OWNERSHIPS, PRECISIONS, STAGES, STATUSES

UNITS = [SelectChoice("亿元"), SelectChoice("万元")]


def _amount_check(form, field):
    if not (field.data or "").strip():
        return
    try:
        parse_amount(field.data, form.amount_unit.data)
    except MoneyError as exc:
        raise ValidationError(str(exc)) from exc


def _period_check(form, field):
    try:
        parse_period(field.data)
    except PeriodError as exc:
        raise ValidationError(str(exc)) from exc


def _choices(values):
    return [SelectChoice(v) for v in values]


class ProjectForm(KeepsInput, FlaskForm):
    code = StringField("项目编号", validators=[DataRequired("请填写项目编号"), Length(max=40)])
    name = StringField("项目名称", validators=[DataRequired("请填写项目名称"), Length(max=200)])
    stage = SelectField("学段", choices=_choices(STAGES))
    nature = SelectField("建设性质", choices=_choices(NATURES))
    ownership = SelectField("办学性质", choices=_choices(OWNERSHIPS))
    status = SelectField("状态", choices=_choices(STATUSES))
    period_text = StringField(
        "项目期限", validators=[DataRequired("请填写项目期限"), _period_check]
    )
    province = StringField("省", validators=[Length(max=40)])
    city = StringField("市", validators=[Length(max=40)])
    district = StringField("区县", validators=[Length(max=40)])
    subdistrict = StringField("建设地点（街道/镇）", validators=[Length(max=40)])
    site_text = TextAreaField("四至 / 选址", validators=[Length(max=2000)])
    content_text = TextAreaField("建设内容（原文）", validators=[Length(max=5000)])
    classes_total = IntegerField(
        "总班数", validators=[Optional(), NumberRange(0, 500, "班数应在 0–500 之间")]
    )
    classes_added = IntegerField(
        "新增班数", validators=[Optional(), NumberRange(0, 500, "班数应在 0–500 之间")]
    )
    sections_text = StringField("分段班数（如 学前段:3;义务段:18）", validators=[Length(max=200)])
    declared_seats = IntegerField(
        "申报学位（有文件依据时填写）",
        validators=[Optional(), NumberRange(0, 100000, "学位数不合理")],
    )
    land_area_m2 = DecimalField(
        "用地面积（平方米）",
        places=2,
        validators=[Optional(), NumberRange(0, None, "面积不能为负数")],
    )
    land_is_additional = BooleanField("新增用地")
    floor_area_m2 = DecimalField(
        "建筑面积（平方米）",
        places=2,
        validators=[Optional(), NumberRange(0, None, "面积不能为负数")],
    )
    area_is_approximate = BooleanField("面积为约数")
    amount_unit = SelectField("金额单位", choices=UNITS, default="亿元")
    total_investment = StringField(
        "总投资", validators=[DataRequired("请填写总投资"), _amount_check]
    )
    window_investment = StringField("2021–2025 年投资额", validators=[_amount_check])
    builder = StringField("建设单位", validators=[Length(max=100)])
    is_government = BooleanField("政府投资或国有平台公司投资项目")
    lat = FloatField(
        "纬度（WGS-84）", validators=[Optional(), NumberRange(-90, 90, "纬度应在 -90 到 90 之间")]
    )
    lon = FloatField(
        "经度（WGS-84）",
        validators=[Optional(), NumberRange(-180, 180, "经度应在 -180 到 180 之间")],
    )
    location_precision = SelectField(
        "定位精度", choices=[SelectChoice(k, v) for k, v in PRECISIONS.items()]
    )
    location_source = StringField("定位来源", validators=[Length(max=500)])
    remarks = TextAreaField("备注", validators=[Length(max=2000)])
    version = HiddenField()

    @classmethod
    def for_project(cls, project) -> "ProjectForm":
        """The edit form: filled from the project on GET, from the request on POST; the code is
        stable, never edited through the form."""
        if request.method != "GET":
            form = cls()
        else:
            form = cls(obj=project)
            form.total_investment.data = project.total_investment_text or ""
            form.window_investment.data = project.window_investment_text or ""
            form.version.data = project.version
        form.code.data = project.code
        return form

    def expected_version(self) -> int:
        """The version the form was loaded at; a form without one cannot prove it saw the latest
        data, so it counts as stale (0)."""
        raw = str(self.version.data or "")
        return int(raw) if raw.isdigit() else 0

    def validate_classes_added(self, field):
        if (
            field.data is not None
            and self.classes_total.data is not None
            and field.data > self.classes_total.data
        ):
            raise ValidationError("新增班数不能大于总班数")

    def values(self) -> dict:
        """The validated form as project field values (amounts in fen, period split into years)."""
        unit = self.amount_unit.data
        start, end = parse_period(self.period_text.data)
        data = {
            name: getattr(self, name).data
            for name in (
                "code",
                "name",
                "stage",
                "nature",
                "ownership",
                "status",
                "province",
                "city",
                "district",
                "subdistrict",
                "site_text",
                "content_text",
                "classes_total",
                "classes_added",
                "sections_text",
                "declared_seats",
                "land_area_m2",
                "land_is_additional",
                "floor_area_m2",
                "area_is_approximate",
                "builder",
                "is_government",
                "lat",
                "lon",
                "location_precision",
                "location_source",
                "remarks",
            )
        }
        for key in ("name", "code", "subdistrict", "builder", "province", "city", "district"):
            data[key] = (data[key] or "").strip()
        # A text field left out of the POST (hand-made requests) is empty text, never NULL.
        for key in ("site_text", "content_text", "sections_text", "location_source", "remarks"):
            data[key] = data[key] or ""
        data["period_text"] = self.period_text.data.strip()
        data["start_year"], data["end_year"] = start, end
        for key in ("total", "window"):
            raw = getattr(self, f"{key}_investment").data or ""
            fen = parse_amount(raw, unit) if raw.strip() else None
            data[f"{key}_investment_fen"] = fen
            # Keep what the user typed in 亿元 (as the source table does); otherwise store 亿元 text.
            data[f"{key}_investment_text"] = raw if unit == "亿元" else plain(fen, "亿元")
        if data["lat"] is None or data["lon"] is None:
            data["location_precision"] = "none"
        return data
