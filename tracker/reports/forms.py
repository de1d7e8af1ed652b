"""The report form (one column, for a phone on site) and the review form. Every field is read
through tracker.reports.inputs, so each problem lands on its own field in Chinese."""

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    FileField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from tracker.audit import KeepsInput
from tracker.money import wan
from tracker.reports import inputs, photos
from tracker.reports.logic import PeriodError, parse_period
from tracker.reports.services import NewPhoto, ReportInput

PHOTO_SLOTS = 3
LIMITS = {
    "progress_text": 2000,
    "percent_reason": 500,
    "problems": 2000,
    "next_steps": 2000,
    "coordination": 2000,
}
CAPTION_LIMIT = 200


class ReportForm(KeepsInput, FlaskForm):
    period = StringField("报告期")
    progress_text = TextAreaField("形象进度")
    progress_percent = StringField("形象进度百分比（0–100）")
    percent_reason = TextAreaField("进度说明（百分比低于上月时必填）")
    stage_reached = SelectField(
        "本月到达的阶段（可选）", choices=[SelectChoice("", "（无）")], validate_choice=False
    )
    stage_reached_on = StringField("到达日期")
    month_completed = StringField("本月完成投资（万元）")
    cumulative = StringField("累计完成投资（万元）")
    problems = TextAreaField("存在问题")
    next_steps = TextAreaField("下步计划")
    coordination = TextAreaField("需协调事项（填写后将报领导协调）")
    photo_1 = FileField("照片 1")
    caption_1 = StringField("照片 1 说明")
    photo_2 = FileField("照片 2")
    caption_2 = StringField("照片 2 说明")
    photo_3 = FileField("照片 3")
    caption_3 = StringField("照片 3 说明")
    version = HiddenField()

    def set_stages(self, names: list[str]) -> None:
        self.stage_reached.choices = [SelectChoice("", "（无）")] + [
            SelectChoice(n, n) for n in names
        ]

    def fill(self, report) -> None:
        """On GET: the stored version's content."""
        self.period.data = report.period
        self.progress_text.data = report.progress_text
        self.progress_percent.data = (
            "" if report.progress_percent is None else str(report.progress_percent)
        )
        self.percent_reason.data = report.percent_reason
        self.stage_reached.data = report.stage_reached
        self.stage_reached_on.data = (
            report.stage_reached_on.isoformat() if report.stage_reached_on else ""
        )
        self.month_completed.data = _wan(report.month_completed_fen)
        self.cumulative.data = _wan(report.cumulative_fen)
        self.problems.data = report.problems
        self.next_steps.data = report.next_steps
        self.coordination.data = report.coordination
        self.version.data = str(report.version)

    def expected_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None

    def chosen_period(self) -> str | None:
        try:
            return parse_period(self.period.data)
        except PeriodError as exc:
            self.period.errors = [*self.period.errors, str(exc)]
            return None

    def read(self, existing: list, limits: photos.Limits) -> ReportInput | None:
        """The form as a ReportInput, or None when any field is wrong (the message is on it)."""
        values = {}
        for name, limit in LIMITS.items():
            values[name] = self._take(getattr(self, name), inputs.text, limit=limit)
        values["progress_percent"] = self._take(self.progress_percent, inputs.percent)
        values["stage_reached"] = inputs.clean(self.stage_reached.data)[:60]
        values["stage_reached_on"] = self._take(self.stage_reached_on, inputs.day)
        values["month_completed_fen"] = self._take(self.month_completed, inputs.wan)
        values["cumulative_fen"] = self._take(self.cumulative, inputs.wan)
        data = ReportInput(values)
        self._existing_photos(existing, data)
        self._new_photos(data, limits)
        return None if self.errors or self._photo_errors else data

    _photo_errors: list[str] = []

    def _take(self, field, parse, **kwargs):
        try:
            return parse(field.data, **kwargs)
        except inputs.InputError as exc:
            field.errors = [*field.errors, f"{field.label.text}：{exc}"]
            return None

    def _existing_photos(self, existing: list, data: ReportInput) -> None:
        self._photo_errors = []
        for photo in existing:
            if request.form.get(f"remove-{photo.id}"):
                data.removed.add(photo.id)
                continue
            raw = request.form.get(f"caption-{photo.id}")
            if raw is None:
                continue
            caption = inputs.clean(raw)
            if len(caption) > CAPTION_LIMIT:
                self._photo_errors.append(
                    f"照片「{photo.original_name}」的说明过长：{len(caption)} 字，最多 {CAPTION_LIMIT} 字"
                )
            data.captions[photo.id] = caption

    def _new_photos(self, data: ReportInput, limits: photos.Limits) -> None:
        for slot in range(1, PHOTO_SLOTS + 1):
            field = getattr(self, f"photo_{slot}")
            caption_field = getattr(self, f"caption_{slot}")
            storage = field.data
            if storage is None or not getattr(storage, "filename", ""):
                continue
            name = inputs.file_name(storage.filename) or f"照片{slot}"
            shown = f"照片 {slot}「{name}」"
            caption = self._take(caption_field, inputs.text, limit=CAPTION_LIMIT, multiline=False)
            try:
                processed = photos.process(_read(storage, limits.max_bytes), limits)
            except photos.PhotoError as exc:
                field.errors = [*field.errors, f"{shown}：{exc}"]
                continue
            data.new_photos.append(NewPhoto(processed, caption or "", name))

    @property
    def photo_errors(self) -> list[str]:
        return self._photo_errors


def _read(storage, most: int) -> bytes:
    """The upload's bytes; one larger than `most` is not read (PhotoError names its size)."""
    stream = storage.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > most:
        raise photos.PhotoError(
            f"文件大小 {size / 1024 / 1024:.1f} MB，超过每张照片 {most / 1024 / 1024:.1f} MB 的上限"
        )
    return stream.read()


def _wan(fen) -> str:
    return "" if fen is None else wan(fen).replace(",", "")


class ReviewForm(FlaskForm):
    comment = TextAreaField("审核意见（退回时必填）")
    version = HiddenField()

    def expected_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None

    def comment_text(self) -> str | None:
        try:
            return inputs.text(self.comment.data, limit=1000)
        except inputs.InputError as exc:
            self.comment.errors = [*self.comment.errors, f"审核意见：{exc}"]
            return None


class StepForm(FlaskForm):
    """A step without content (submit, new version, delete): the version the page showed."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None
