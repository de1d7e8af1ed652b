"""Reading and writing monthly reports. Every step — save, submit, accept or return, a new version
after acceptance, delete — is one audited save through tracker.audit.apply_change (a stale form
raises Conflict); acceptance writes the month's 完成投资 into the finance month row (one figure,
one place) and a stage reached goes to the milestones through the registered confirmer."""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tracker import extend
from tracker.audit import Actor, Change, FieldLabel, apply_change, record_change
from tracker.audit.labels import plain
from tracker.clock import now_utc
from tracker.finance import services as finance
from tracker.milestones import summary as schedule
from tracker.money import wan
from tracker.projects.models import Project
from tracker.reports import logic, photos
from tracker.reports.models import STATUS_LABELS, MonthlyReport, ReportPhoto

# The fields a form edits, with their words for the audit trail and for messages.
FIELD_LABELS = {
    "progress_text": "形象进度",
    "progress_percent": "形象进度百分比",
    "percent_reason": "进度说明",
    "stage_reached": "本月到达阶段",
    "stage_reached_on": "到达日期",
    "month_completed_fen": "本月完成投资",
    "cumulative_fen": "累计完成投资",
    "problems": "存在问题",
    "next_steps": "下步计划",
    "coordination": "需协调事项",
}
CONTENT = list(FIELD_LABELS)


class ReportError(ValueError):
    """A step refused with a reason for the user; `field` names the input it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewPhoto:
    processed: photos.Processed
    caption: str
    original_name: str


@dataclass
class ReportInput:
    """What the form says (already parsed and cleaned)."""

    values: dict  # CONTENT fields
    new_photos: list[NewPhoto] = field(default_factory=list)
    captions: dict[int, str] = field(default_factory=dict)  # photo id → caption
    removed: set[int] = field(default_factory=set)  # photo ids

    @property
    def figures(self) -> logic.Figures:
        v = self.values
        return logic.Figures(
            v.get("progress_percent"),
            v.get("percent_reason", ""),
            v.get("month_completed_fen"),
            v.get("cumulative_fen"),
        )


def _money(value) -> str:
    return (
        f"{wan(value)} 万元"
        if isinstance(value, int) and not isinstance(value, bool)
        else plain(value)
    )


def _percent(value) -> str:
    return f"{value}%" if isinstance(value, int) and not isinstance(value, bool) else plain(value)


def audit_fields() -> dict[str, FieldLabel]:
    fields = {name: FieldLabel(label) for name, label in FIELD_LABELS.items()}
    fields["month_completed_fen"] = FieldLabel("本月完成投资", _money)
    fields["cumulative_fen"] = FieldLabel("累计完成投资", _money)
    fields["progress_percent"] = FieldLabel("形象进度百分比", _percent)
    fields["status"] = FieldLabel("状态", lambda v: STATUS_LABELS.get(v, plain(v)))
    fields["review_comment"] = FieldLabel("审核意见")
    fields["needs_coordination"] = FieldLabel("需协调")
    fields["photo"] = FieldLabel("照片")
    fields["caption"] = FieldLabel("照片说明")
    return fields


def title(report: MonthlyReport, project: Project) -> str:
    return f"月报 {project.code} {logic.label(report.period)} 第 {report.revision} 版"


# --- reading ------------------------------------------------------------------------------------


def get(session: Session, report_id: int) -> MonthlyReport | None:
    return session.get(MonthlyReport, report_id)


def photo(session: Session, photo_id: int) -> ReportPhoto | None:
    return session.get(ReportPhoto, photo_id)


def project_of(session: Session, report: MonthlyReport) -> Project:
    return session.get(Project, report.project_id)


def current(session: Session, project_id: int, period: str) -> MonthlyReport | None:
    """The newest version of a project's month that is not deleted."""
    return session.execute(
        select(MonthlyReport).where(
            MonthlyReport.project_id == project_id,
            MonthlyReport.period == period,
            MonthlyReport.current == True,  # noqa: E712
            MonthlyReport.deleted_at.is_(None),
        )
    ).scalar_one_or_none()


def versions(session: Session, project_id: int, period: str) -> list[MonthlyReport]:
    return list(
        session.execute(
            select(MonthlyReport)
            .where(MonthlyReport.project_id == project_id, MonthlyReport.period == period)
            .order_by(MonthlyReport.revision.desc())
        ).scalars()
    )


def of_project(session: Session, project_id: int, limit: int = 36) -> list[MonthlyReport]:
    """The current version of each month a project reported, newest month first."""
    return list(
        session.execute(
            select(MonthlyReport)
            .where(
                MonthlyReport.project_id == project_id,
                MonthlyReport.current == True,  # noqa: E712
                MonthlyReport.deleted_at.is_(None),
            )
            .order_by(MonthlyReport.period.desc())
            .limit(limit)
        ).scalars()
    )


def accepted_series(session: Session, project_id: int) -> list[MonthlyReport]:
    """The accepted version of every month, oldest first (the history chart)."""
    return list(
        session.execute(
            select(MonthlyReport)
            .where(
                MonthlyReport.project_id == project_id,
                MonthlyReport.status == "accepted",
                MonthlyReport.deleted_at.is_(None),
            )
            .order_by(MonthlyReport.period)
        ).scalars()
    )


def photos_of(session: Session, report_id: int) -> list[ReportPhoto]:
    return list(
        session.execute(
            select(ReportPhoto)
            .where(ReportPhoto.report_id == report_id)
            .order_by(ReportPhoto.position, ReportPhoto.id)
        ).scalars()
    )


def previous_figures(session: Session, project_id: int, period: str) -> logic.Previous | None:
    """Last month as reported: its accepted version, else one awaiting review."""
    before = logic.shift(period, -1)
    rows = session.execute(
        select(MonthlyReport)
        .where(
            MonthlyReport.project_id == project_id,
            MonthlyReport.period == before,
            MonthlyReport.deleted_at.is_(None),
            MonthlyReport.status.in_(("accepted", "submitted")),
        )
        .order_by(MonthlyReport.revision.desc())
    ).scalars()
    found = sorted(rows, key=lambda r: (r.status != "accepted", -r.revision))
    if not found:
        return None
    return logic.Previous(before, found[0].progress_percent, found[0].cumulative_fen)


@dataclass(frozen=True)
class Stages:
    names: list[str]
    reached: str  # the last phase with an actual date
    next_open: str


def stages(session: Session, project_id: int, today: date) -> Stages:
    rows = schedule.milestones_for(session, project_id, today)
    done = [m.name for m in rows if m.actual_on is not None]
    open_ = [m.name for m in rows if m.actual_on is None]
    return Stages([m.name for m in rows], done[-1] if done else "", open_[0] if open_ else "")


# --- checks shared by saving and submitting ----------------------------------------------------


def check(
    session: Session, project: Project, period: str, data: ReportInput, today: date
) -> list[tuple[str, str]]:
    """Every problem of the figures and the stage, as (field, message); empty: fine."""
    problems = logic.check_figures(data.figures, previous_figures(session, project.id, period))
    names = stages(session, project.id, today).names
    stage = logic.stage_problem(
        data.values.get("stage_reached", ""),
        data.values.get("stage_reached_on"),
        period,
        today,
        names,
    )
    if stage:
        problems.append(("stage_reached", stage))
    return problems


# --- writing ------------------------------------------------------------------------------------


def _next_revision(session: Session, project_id: int, period: str) -> int:
    top = session.execute(
        select(func.max(MonthlyReport.revision)).where(
            MonthlyReport.project_id == project_id, MonthlyReport.period == period
        )
    ).scalar_one()
    return (top or 0) + 1


def _duplicate(existing: MonthlyReport, project: Project) -> ReportError:
    return ReportError(
        "period",
        f"项目「{project.name}」{logic.label(existing.period)} 已有月报（第 {existing.revision} 版，"
        f"{STATUS_LABELS[existing.status]}），每月只能有一份：请打开已有的月报修改",
    )


def _photo_changes(
    session: Session, report: MonthlyReport, data: ReportInput, root: Path, max_count: int
) -> list[Change]:
    """Captions changed, photos removed and added (files placed after their rows are flushed)."""
    changes = []
    existing = photos_of(session, report.id) if report.id else []
    kept = [p for p in existing if p.id not in data.removed]
    if len(kept) + len(data.new_photos) > max_count:
        raise ReportError(
            "photos",
            f"每份月报最多 {max_count} 张照片（已有 {len(kept)} 张，本次上传 "
            f"{len(data.new_photos)} 张）",
        )
    for photo in existing:
        name = photo.caption or photo.original_name or f"照片 {photo.position}"
        if photo.id in data.removed:
            changes.append(Change("photo", item=name, kind="removed"))
            session.delete(photo)
        elif photo.id in data.captions and data.captions[photo.id] != photo.caption:
            changes.append(Change("caption", photo.caption, data.captions[photo.id], item=name))
            photo.caption = data.captions[photo.id]
            session.add(photo)
    position = max((p.position for p in kept), default=0)
    project = session.get(Project, report.project_id)
    for new in data.new_photos:
        position += 1
        session.add(_photo_row(report, new, position, project))
        changes.append(Change("photo", item=new.caption or new.original_name, kind="added"))
    session.flush()
    if data.new_photos:
        photos.place(session, root, [n.processed for n in data.new_photos])
    return changes


def _photo_row(report: MonthlyReport, new: NewPhoto, position: int, project) -> ReportPhoto:
    p = new.processed
    distance = None
    if p.lat is not None and project is not None and project.lat is not None:
        distance = logic.distance_m(p.lat, p.lon, project.lat, project.lon)
    from tracker.config import settings

    return ReportPhoto(
        report_id=report.id,
        position=position,
        sha256=p.sha256,
        ext=p.ext,
        size_bytes=p.size_bytes,
        width=p.width,
        height=p.height,
        original_name=new.original_name,
        caption=new.caption,
        taken_at=p.taken_at,
        lat=p.lat,
        lon=p.lon,
        distance_m=distance,
        far=distance is not None and distance > settings().report_photo_max_distance_m,
    )


def _set_content(report: MonthlyReport, values: dict) -> None:
    for name in CONTENT:
        setattr(report, name, values.get(name, getattr(report, name)))
    report.needs_coordination = bool(report.coordination)


def create(
    session: Session,
    *,
    actor: Actor,
    project: Project,
    period: str,
    data: ReportInput,
    today: date,
    root: Path,
    max_photos: int,
) -> MonthlyReport:
    """A new report (第 1 版, a draft) for a month that has none; a second one is refused."""
    if problem := logic.future_problem(period, today):
        raise ReportError("period", problem)
    existing = current(session, project.id, period)
    if existing is not None:
        raise _duplicate(existing, project)
    report = MonthlyReport(
        project_id=project.id,
        period=period,
        revision=_next_revision(session, project.id, period),
        filed_by=actor.username,
        stage_now=stages(session, project.id, today).reached,
    )
    _set_content(report, data.values)
    session.add(report)
    # Two people creating the same month at once: the unique version number lets one win.
    # (No savepoint: pysqlite would commit the outer transaction when releasing it.)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ReportError(
            "period", f"{logic.label(period)} 的月报刚刚由另一位用户新建，请打开已有的月报修改"
        ) from None
    changes = [
        Change(name, None, getattr(report, name)) for name in CONTENT if getattr(report, name)
    ]
    changes += _photo_changes(session, report, data, root, max_photos)
    record_change(
        session,
        actor=actor,
        action="create",
        entity="report",
        entity_id=report.id,
        project_id=project.id,
        detail=f"新建{title(report, project)}",
        changes=changes,
        version=report.version,
    )
    session.flush()
    return report


def save(
    session: Session,
    *,
    actor: Actor,
    report: MonthlyReport,
    data: ReportInput,
    expected_version: int | None,
    root: Path,
    max_photos: int,
) -> list[Change]:
    """Save the form onto a draft or returned version (one audited save)."""
    project = project_of(session, report)
    if not logic.can_edit(report.status) or report.deleted_at is not None:
        raise ReportError("", f"{title(report, project)}（{STATUS_LABELS[report.status]}）不能修改")
    values = {name: data.values.get(name, getattr(report, name)) for name in CONTENT}
    values["needs_coordination"] = bool(values["coordination"])
    return apply_change(
        session,
        actor=actor,
        record=report,
        expected_version=expected_version,
        entity="report",
        entity_id=report.id,
        project_id=project.id,
        values=values,
        mutate=lambda: _photo_changes(session, report, data, root, max_photos),
        title=title(report, project),
    )


def submit(
    session: Session, *, actor: Actor, report: MonthlyReport, today: date, expected_version=None
) -> None:
    """Draft or returned → 待审核. A stage reached this month is confirmed on the milestones."""
    project = project_of(session, report)
    if not logic.can_submit(report.status) or report.deleted_at is not None:
        raise ReportError("", f"{title(report, project)}（{STATUS_LABELS[report.status]}）不能提交")
    figures = logic.Figures(
        report.progress_percent,
        report.percent_reason,
        report.month_completed_fen,
        report.cumulative_fen,
    )
    missing = logic.missing_for_submit(figures, report.progress_text)
    if missing:
        raise ReportError(*missing[0])
    data = ReportInput({name: getattr(report, name) for name in CONTENT})
    if problems := check(session, project, report.period, data, today):
        raise ReportError(*problems[0])
    _confirm_stage(session, actor, project, report, today)
    apply_change(
        session,
        actor=actor,
        record=report,
        expected_version=expected_version,
        entity="report",
        entity_id=report.id,
        project_id=project.id,
        action="submit",
        values={
            "status": "submitted",
            "submitted_at": now_utc(),
            "stage_now": stages(session, project.id, today).reached,
        },
        detail=f"提交审核：{title(report, project)}",
        title=title(report, project),
    )


def _confirm_stage(session, actor, project, report, today) -> None:
    confirm = extend.progress_confirmer()
    if not report.stage_reached or confirm is None:
        return
    try:
        confirm(
            session,
            actor=actor,
            project=project,
            stage=report.stage_reached,
            on=report.stage_reached_on,
            today=today,
            note=f"由{logic.label(report.period)}月报确认",
        )
    except ValueError as exc:
        raise ReportError("stage_reached", f"本月到达阶段无法确认：{exc}") from exc


def review(
    session: Session,
    *,
    actor: Actor,
    report: MonthlyReport,
    accept: bool,
    comment: str,
    expected_version: int | None,
) -> None:
    """待审核 → 已通过 (the older accepted version is superseded; the finance month row takes the
    figure) or → 已退回 with a comment saying what to change."""
    project = project_of(session, report)
    if not logic.can_review(report.status) or report.deleted_at is not None:
        raise ReportError(
            "", f"{title(report, project)}（{STATUS_LABELS[report.status]}）不在待审核状态"
        )
    if not accept and not comment:
        raise ReportError("comment", "退回时请写明审核意见（需要修改什么）")
    where = dict(
        entity="report", entity_id=report.id, project_id=project.id, title=title(report, project)
    )
    values = {
        "status": "accepted" if accept else "returned",
        "review_comment": comment,
        "reviewed_by": actor.username,
        "reviewed_at": now_utc(),
    }
    detail = "审核通过" if accept else "退回修改"
    apply_change(
        session,
        actor=actor,
        record=report,
        expected_version=expected_version,
        action="review",
        values=values,
        detail=f"{detail}：{title(report, project)}",
        **where,
    )
    if accept:
        _supersede_older(session, actor, report, project)
        year, month = logic.year_month(report.period)
        finance.set_month_completed(
            session,
            actor=actor,
            project=project,
            year=year,
            month=month,
            completed_fen=report.month_completed_fen,
            detail=f"本月完成投资取自审核通过的{title(report, project)}",
        )


def _supersede_older(session, actor, report, project) -> None:
    for older in versions(session, project.id, report.period):
        if older.id != report.id and older.status == "accepted":
            apply_change(
                session,
                actor=actor,
                record=older,
                expected_version=None,
                entity="report",
                entity_id=older.id,
                project_id=project.id,
                action="review",
                values={"status": "superseded"},
                detail=f"被第 {report.revision} 版取代：{title(older, project)}",
            )


def revise(session: Session, *, actor: Actor, report: MonthlyReport, today: date) -> MonthlyReport:
    """A change after acceptance: a new version (a draft copying the accepted one and its
    photos); the accepted one stays official until the new one is accepted."""
    project = project_of(session, report)
    if not logic.can_revise(report.status) or not report.current or report.deleted_at is not None:
        raise ReportError("", f"{title(report, project)} 不是当前已通过的版本，不能据此修改")
    new = MonthlyReport(
        project_id=report.project_id,
        period=report.period,
        revision=_next_revision(session, project.id, report.period),
        filed_by=actor.username,
        stage_now=stages(session, project.id, today).reached,
    )
    _set_content(new, {name: getattr(report, name) for name in CONTENT})
    session.execute(
        update(MonthlyReport)
        .where(MonthlyReport.id == report.id, MonthlyReport.current == True)  # noqa: E712
        .values(current=False)
    )
    session.add(new)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ReportError("", "另一位用户刚刚为这个月生成了新版本，请刷新后查看") from None
    session.refresh(report)
    for photo in photos_of(session, report.id):
        session.add(
            ReportPhoto(
                **photo.model_dump(exclude={"id", "report_id", "created_at"}), report_id=new.id
            )
        )
    record_change(
        session,
        actor=actor,
        action="create",
        entity="report",
        entity_id=new.id,
        project_id=project.id,
        detail=f"在已通过的第 {report.revision} 版基础上新建{title(new, project)}",
        changes=[],
        version=new.version,
    )
    session.flush()
    return new


def delete(session: Session, *, actor: Actor, report: MonthlyReport, expected_version: int | None):
    """A version never accepted goes (its photos' files stay until the purge command); the
    month's previous version, if any, becomes current again."""
    project = project_of(session, report)
    if not logic.can_delete(report.status, report.revision) or report.deleted_at is not None:
        raise ReportError("", f"{title(report, project)}（{STATUS_LABELS[report.status]}）不能删除")
    apply_change(
        session,
        actor=actor,
        record=report,
        expected_version=expected_version,
        entity="report",
        entity_id=report.id,
        project_id=project.id,
        action="delete",
        values={"deleted_at": now_utc(), "current": False},
        detail=f"删除{title(report, project)}（照片文件保留到清理时）",
        title=title(report, project),
    )
    older = [
        r
        for r in versions(session, project.id, report.period)
        if r.deleted_at is None and r.id != report.id
    ]
    if older:
        older[0].current = True
        session.add(older[0])
        session.flush()


# --- purge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    reports: int
    photos: int
    files: int
    bytes: int


def purge_deleted(session: Session, *, actor: Actor) -> tuple[int, int]:
    """Remove deleted versions and their photo rows (their files go in remove_unreferenced)."""
    ids = list(
        session.execute(
            select(MonthlyReport.id).where(MonthlyReport.deleted_at.is_not(None))
        ).scalars()
    )
    if not ids:
        return 0, 0
    photo_rows = (
        session.execute(select(ReportPhoto).where(ReportPhoto.report_id.in_(ids))).scalars().all()
    )
    for photo in photo_rows:
        session.delete(photo)
    session.flush()
    for report in session.execute(select(MonthlyReport).where(MonthlyReport.id.in_(ids))).scalars():
        session.delete(report)
    record_change(
        session,
        actor=actor,
        action="purge",
        entity="report",
        entity_id="",
        detail=f"清理已删除的月报 {len(ids)} 份、照片记录 {len(photo_rows)} 条",
        changes=[],
        version=None,
    )
    session.flush()
    return len(ids), len(photo_rows)


def referenced_photos(session: Session) -> set[str]:
    return set(session.execute(select(ReportPhoto.sha256).distinct()).scalars())
