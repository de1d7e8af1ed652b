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
    ids = HiddenField()  # the alerts shown when the page was loaded: "3,7,12"
    back = HiddenField()

    def alert_ids(self) -> list[int]:
        return [int(x) for x in (self.ids.data or "").split(",") if x.strip().isdigit()][:500]
