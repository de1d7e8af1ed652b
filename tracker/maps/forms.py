"""The form that sets a project's location: typed or clicked coordinates and their datum."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, ValidationError

from tracker.audit import KeepsInput
from tracker.maps.coords import DATUMS
from tracker.maps.location import CoordinateError, location_source, parse_point


class LocationForm(KeepsInput, FlaskForm):
    lat = StringField("纬度")
    lon = StringField("经度")
    datum = SelectField(
        "坐标系",
        choices=[SelectChoice(value=key, label=label) for key, label in DATUMS.items()],
        default="wgs84",
    )
    note = StringField(
        "来源说明（可选）", validators=[Length(max=200, message="来源说明最多 200 字")]
    )
    origin = HiddenField(default="typed")
    version = HiddenField()

    def validate_lat(self, field):
        try:
            self.point = parse_point(self.lat.data, self.lon.data, self.datum.data)
        except CoordinateError as exc:
            raise ValidationError(str(exc)) from exc

    def source(self, basemap_label: str) -> str:
        """How the point was set, in words, kept as the project's 定位来源."""
        return location_source(self.datum.data, self.origin.data, basemap_label, self.note.data)

    @property
    def expected_version(self) -> int | None:
        text = (self.version.data or "").strip()
        return int(text) if text.isdigit() else None
