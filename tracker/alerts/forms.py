"""Acknowledging an alert with a note."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length


class AcknowledgeForm(FlaskForm):
    note = StringField(
        "说明",
        validators=[
            DataRequired("请写一句说明（如已联系施工单位）"),
            Length(max=500, message="说明最多 500 字"),
        ],
    )
    back = HiddenField()
