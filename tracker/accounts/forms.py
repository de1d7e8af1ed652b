"""Account forms."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=200)])
    next = HiddenField()
