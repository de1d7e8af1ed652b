"""Account forms: login, own password and tokens, and the administrators' user forms."""

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from tracker.accounts.roles import ROLES
from tracker.accounts.services import MIN_PASSWORD_LENGTH
from tracker.audit import KeepsInput

ROLE_CHOICES = dict(ROLES)  # value → label (the shorthand WTForms 3.3 accepts)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=200)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请填写当前密码")])
    new = PasswordField(
        "新密码",
        validators=[
            DataRequired("请填写新密码"),
            Length(MIN_PASSWORD_LENGTH, 200, f"密码至少 {MIN_PASSWORD_LENGTH} 位"),
        ],
    )
    confirm = PasswordField("再输一次新密码", validators=[EqualTo("new", "两次输入的新密码不一致")])


class TokenForm(FlaskForm):
    name = StringField("令牌用途", validators=[DataRequired("请写明令牌的用途"), Length(max=80)])


class UserCreateForm(FlaskForm):
    username = StringField(
        "用户名",
        validators=[
            DataRequired("请填写用户名"),
            Length(max=80),
            Regexp(r"^[\w.@-]+$", message="用户名只能包含字母、数字、汉字和 . @ - _"),
        ],
    )
    display_name = StringField("姓名", validators=[Length(max=80)])
    role = SelectField("角色", choices=ROLE_CHOICES)
    password = PasswordField(
        "初始密码（留空则随机生成）",
        validators=[
            Optional(),
            Length(MIN_PASSWORD_LENGTH, 200, f"密码至少 {MIN_PASSWORD_LENGTH} 位"),
        ],
    )


class UserEditForm(KeepsInput, FlaskForm):
    display_name = StringField("姓名", validators=[Length(max=80)])
    role = SelectField("角色", choices=ROLE_CHOICES)
    is_active = BooleanField("启用（取消勾选即停用；用户不会被删除）")
    projects = SelectMultipleField(
        "负责的项目（项目负责人只能编辑这些项目；按住 Ctrl 可多选）", coerce=int
    )
    version = HiddenField()

    @classmethod
    def for_user(cls, user, project_choices, assigned: set[int]) -> "UserEditForm":
        """The form as posted, or (on GET) filled from the user and their projects."""
        form = cls(obj=user) if request.method == "GET" else cls()
        form.projects.choices = project_choices
        if request.method == "GET":
            form.projects.data = sorted(assigned)
            form.version.data = user.version
        return form

    def expected_version(self) -> int:
        """A missing version counts as stale: never save over changes we cannot see."""
        raw = str(self.version.data or "")
        return int(raw) if raw.isdigit() else -1

    def values(self) -> dict:
        return {
            "display_name": (self.display_name.data or "").strip(),
            "role": self.role.data,
            "is_active": bool(self.is_active.data),
        }
