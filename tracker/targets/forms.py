"""Forms of the targets pages (CSRF on): linking a project to a target, or undoing a link."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

KINDS = [SelectChoice("include", "计入此目标"), SelectChoice("exclude", "不计入（排除规则匹配）")]


class LinkForm(FlaskForm):
    project_code = StringField(
        "项目编号", validators=[DataRequired("请填写项目编号"), Length(max=40)]
    )
    kind = SelectField("方式", choices=KINDS, default="include")
    version = HiddenField()


class UnlinkForm(FlaskForm):
    project_code = HiddenField(validators=[DataRequired()])
    version = HiddenField()


def version_of(form) -> int | None:
    value = (form.version.data or "").strip()
    return int(value) if value.isdigit() else None
