"""Upload form for project tables."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class ImportForm(FlaskForm):
    file = FileField("项目表（CSV 或 XLSX）", validators=[FileRequired("请选择要上传的文件")])
    dry_run = BooleanField("只检查，不导入")
