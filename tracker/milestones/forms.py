"""The one-page milestone form: a row per phase (add, remove, rename, reorder) plus the opening year."""

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import ValidationError

from tracker.audit import KeepsInput
from tracker.milestones.models import MILESTONE_STATUSES
from tracker.milestones.validation import RowError, RowInput, check_plan

BLANK_ROWS = 2


class RowForm(Form):
    """One milestone; dates are text so that bad ones get our own Chinese messages."""

    id = HiddenField()
    position = StringField("顺序")
    name = StringField("阶段")
    planned = StringField("计划日期")
    forecast = StringField("预测日期")
    actual = StringField("实际完成日期")
    status = SelectField("状态", choices=list(MILESTONE_STATUSES), validate_choice=False)
    slip_reason = StringField("延误原因")
    responsible_person = StringField("责任人")
    responsible_unit = StringField("责任单位")
    note = StringField("备注")
    confirm = BooleanField("确认计划")
    delete = BooleanField("删除")


class PlanForm(KeepsInput, FlaskForm):
    opening_year = StringField("开学年份（空：按项目期限结束年）")
    version = HiddenField()
    rows = FieldList(FormField(RowForm), min_entries=0)

    def validate_opening_year(self, field):
        raw = (field.data or "").strip()
        if raw and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
            raise ValidationError("开学年份应为 2000–2100 之间的年份，如 2026")

    def opening_year_value(self) -> int | None:
        raw = (self.opening_year.data or "").strip()
        return int(raw) if raw else None

    problems: list[RowError] = []

    @classmethod
    def for_plan(cls, milestones, schedule) -> "PlanForm":
        """The form as posted, or (on GET) filled from the project's plan."""
        form = cls()
        if request.method == "GET":
            form.fill(milestones, schedule.opening_year, schedule.version)
        return form

    def checked_rows(self, today, start_year) -> list | None:
        """The rows checked against the schedule rules; None when any is refused (each problem
        is shown beside its cell)."""
        rows, self.problems = check_plan(self.inputs(), today=today, start_year=start_year)
        self.attach(self.problems)
        return None if self.problems else rows

    def fill(self, milestones, opening_year, version) -> None:
        self.opening_year.data = str(opening_year) if opening_year else ""
        self.version.data = str(version)
        for m in milestones:
            self.rows.append_entry(
                {
                    "id": str(m.id),
                    "position": m.position,
                    "name": m.name,
                    "planned": _iso(m.planned_on),
                    "forecast": _iso(m.forecast_on),
                    "actual": _iso(m.actual_on),
                    "status": m.status,
                    "slip_reason": m.slip_reason,
                    "responsible_person": m.responsible_person,
                    "responsible_unit": m.responsible_unit,
                    "note": m.note,
                }
            )
        self.add_blank_rows()

    def add_blank_rows(self) -> None:
        last = max((_int(r.form.position.data) or 0 for r in self.rows), default=0)
        for i in range(BLANK_ROWS):
            self.rows.append_entry({"position": last + i + 1, "status": "未开始"})

    def inputs(self) -> list[RowInput]:
        result = []
        for index, entry in enumerate(self.rows):
            f = entry.form
            raw_id = (f.id.data or "").strip()
            result.append(
                RowInput(
                    id=int(raw_id) if raw_id.isdigit() else None,
                    name=f.name.data or "",
                    position=_int(f.position.data) or index + 1,
                    planned=f.planned.data or "",
                    forecast=f.forecast.data or "",
                    actual=f.actual.data or "",
                    status=f.status.data or "未开始",
                    slip_reason=f.slip_reason.data or "",
                    responsible_person=f.responsible_person.data or "",
                    responsible_unit=f.responsible_unit.data or "",
                    note=f.note.data or "",
                    delete=bool(f.delete.data),
                    confirm=bool(f.confirm.data),
                )
            )
        return result

    def attach(self, errors: list[RowError]) -> None:
        """Show each problem next to its cell."""
        for e in errors:
            if e.index < len(self.rows.entries):
                field = getattr(self.rows.entries[e.index].form, e.field)
                field.errors = list(field.errors or []) + [e.message]

    def expected_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None


def _int(raw) -> int | None:
    """A row's 顺序 as typed; anything that is not a whole number keeps the row where it is."""
    text = str(raw if raw is not None else "").strip()
    return int(text) if text.isdigit() else None


def _iso(value) -> str:
    return value.isoformat() if value else ""
