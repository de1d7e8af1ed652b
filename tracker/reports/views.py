"""The 月报 pages: filing (one column, for a phone), the steps of a version, photos served through
a permission check, the 月度调度表 (page and XLSX), the as-of view and the 未报送 list."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from tracker import clock
from tracker.accounts.services import assigned_project_ids
from tracker.accounts.web import current_actor, require, requires, user_can
from tracker.config import settings
from tracker.db import Page, get_session
from tracker.projects import services as projects
from tracker.projects.filters import ProjectFilter
from tracker.reports import deadlines, logic, panels, photos, services, snapshots, table
from tracker.reports.forms import ReportForm, ReviewForm, StepForm
from tracker.reports.models import STANDING_LABELS, STATUS_LABELS, MonthlyReport
from tracker.tabular import XLSX_MIME
from tracker.web import load_or_404

bp = Blueprint("reports", __name__)


def _period_arg(default: str) -> tuple[str, str]:
    """?month= as a period, or the default with a note saying why it was not used."""
    raw = request.args.get("month", "")
    if not raw:
        return default, ""
    try:
        return logic.parse_period(raw), ""
    except logic.PeriodError as exc:
        return default, f"{exc}；已显示{logic.label(default)}"


def _load(report_id: int):
    report = load_or_404(services.get, report_id)
    if report.deleted_at is not None and not user_can("report.review"):
        abort(404)
    return report, services.project_of(get_session(), report)


def _limits():
    return photos.Limits.from_settings()


FORM_ENDPOINTS = {"reports.new", "reports.edit"}


def upload_limit():
    """Before anything reads the body (the CSRF check does): the report form may carry several
    phone photos, so its request limit is REPORT_UPLOAD_MAX_MB instead of the app's."""
    if request.endpoint in FORM_ENDPOINTS:
        request.max_content_length = settings().report_upload_max_mb * 1024 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """A report form over the limit: said on a page naming the photos; nothing was saved."""
    size = (request.content_length or 0) / 1024 / 1024
    message = (
        f"照片：本次提交共 {size:.1f} MB，超过每次 {settings().report_upload_max_mb} MB 的上限"
        f"（每张照片不超过 {settings().report_photo_max_mb} MB），没有保存。"
        "请返回减少照片张数或分几次上传。"
    )
    return render_template("reports/too_large.html", message=message, back=request.path), 413


# --- filing ---------------------------------------------------------------------------------


@bp.route("/projects/<code>/reports/new", methods=["GET", "POST"])
def new(code):
    project = load_or_404(projects.get_by_code, code)
    require("report.file", project)
    db, today = get_session(), clock.today()
    stages = services.stages(db, project.id, today)

    def page(form):
        return render_template(
            "reports/form.html", form=form, p=project, report=None, stages=stages,
            existing=[], today=today,
        )  # fmt: skip

    form = ReportForm()
    form.set_stages(stages.names)
    if request.method == "GET":
        form.period.data = request.args.get("month") or panels.default_period(today)
    period = form.chosen_period() if form.validate_on_submit() else None
    data = form.read([], _limits()) if period else None
    if data is not None:
        data_ok = _checked(form, db, project, period, data, today)
        if data_ok:
            try:
                report = services.create(
                    db, actor=current_actor(), project=project, period=period, data=data,
                    today=today, root=photos.store_dir(), max_photos=settings().report_photo_max_count,
                )  # fmt: skip
                if request.form.get("action") == "submit":
                    services.submit(db, actor=current_actor(), report=report, today=today)
            except services.ReportError as exc:
                _attach(form, exc)
            else:
                return _saved(report, project)
    status = 422 if request.method == "POST" else 200
    return page(form), status


def _checked(form, db, project, period, data, today) -> bool:
    problems = services.check(db, project, period, data, today)
    if request.form.get("action") == "submit":
        problems += logic.missing_for_submit(data.figures, data.values.get("progress_text", ""))
    for field, message in problems:
        _attach(form, services.ReportError(field, message))
    return not problems


FIELDS = {
    "progress_percent": "progress_percent",
    "percent_reason": "percent_reason",
    "cumulative": "cumulative",
    "month_completed": "month_completed",
    "progress_text": "progress_text",
    "stage_reached": "stage_reached",
    "period": "period",
    "photos": "photo_1",
}


def _attach(form, error: services.ReportError) -> None:
    field = getattr(form, FIELDS.get(error.field, ""), None)
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors = [*field.errors, str(error)]


def _saved(report, project):
    what = "已提交审核" if report.status == "submitted" else "已保存草稿"
    flash(
        f"{what}：{project.name} {logic.label(report.period)}月报（第 {report.revision} 版）",
        "success",
    )
    return redirect(url_for("reports.detail", report_id=report.id))


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
def edit(report_id):
    report, project = _load(report_id)
    require("report.file", project)
    db, today = get_session(), clock.today()
    if not logic.can_edit(report.status) or report.deleted_at is not None:
        flash(f"该月报{STATUS_LABELS[report.status]}，不能修改", "error")
        return redirect(url_for("reports.detail", report_id=report.id))
    stages = services.stages(db, project.id, today)
    existing = services.photos_of(db, report.id)

    def page(form):
        return render_template(
            "reports/form.html", form=form, p=project, report=report, stages=stages,
            existing=existing, today=today,
        )  # fmt: skip

    form = ReportForm()
    form.set_stages(stages.names)
    if request.method == "GET":
        form.fill(report)
        return page(form)
    data = form.read(existing, _limits()) if form.validate_on_submit() else None
    if data is not None and _checked(form, db, project, report.period, data, today):
        try:
            services.save(
                db, actor=current_actor(), report=report, data=data,
                expected_version=form.expected_version(), root=photos.store_dir(),
                max_photos=settings().report_photo_max_count,
            )  # fmt: skip
            if request.form.get("action") == "submit":
                services.submit(db, actor=current_actor(), report=report, today=today)
        except services.ReportError as exc:
            _attach(form, exc)
        else:
            return _saved(report, project)
    form.period.data = report.period
    return page(form), 422


# --- one version and its steps ---------------------------------------------------------------


@bp.route("/reports/<int:report_id>")
@requires("view")
def detail(report_id):
    report, project = _load(report_id)
    db = get_session()
    year, month = logic.year_month(report.period)
    return render_template(
        "reports/detail.html",
        r=report,
        p=project,
        label=logic.label,
        statuses=STATUS_LABELS,
        photos=services.photos_of(db, report.id),
        versions=services.versions(db, project.id, report.period),
        finance_month=services.finance.month_completed(db, project.id, year, month),
        review=ReviewForm(version=str(report.version)),
        step=StepForm(version=str(report.version)),
        logic=logic,
        distance=logic.distance_text,
        max_distance=settings().report_photo_max_distance_m,
    )


def _step(report_id, action: str, run):
    report, project = _load(report_id)
    require(action, project)
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        run(get_session(), report, form.expected_version())
    except services.ReportError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reports.detail", report_id=report.id)), 303
    return None


@bp.route("/reports/<int:report_id>/submit", methods=["POST"])
def submit(report_id):
    def run(db, report, version):
        services.submit(
            db, actor=current_actor(), report=report, today=clock.today(), expected_version=version
        )

    refused = _step(report_id, "report.file", run)
    if refused:
        return refused
    flash("已提交审核", "success")
    return redirect(url_for("reports.detail", report_id=report_id))


@bp.route("/reports/<int:report_id>/revise", methods=["POST"])
def revise(report_id):
    created = {}

    def run(db, report, version):
        created["report"] = services.revise(
            db, actor=current_actor(), report=report, today=clock.today()
        )

    refused = _step(report_id, "report.file", run)
    if refused:
        return refused
    new = created["report"]
    flash(f"已生成第 {new.revision} 版草稿：修改后提交审核，通过前仍以已通过的版本为准", "success")
    return redirect(url_for("reports.edit", report_id=new.id))


@bp.route("/reports/<int:report_id>/delete", methods=["POST"])
def delete(report_id):
    def run(db, report, version):
        services.delete(db, actor=current_actor(), report=report, expected_version=version)

    refused = _step(report_id, "report.file", run)
    if refused:
        return refused
    flash("已删除该版本（照片文件保留到管理员清理时）", "success")
    return redirect(url_for("reports.index"))


@bp.route("/reports/<int:report_id>/review", methods=["POST"])
def review(report_id):
    report, project = _load(report_id)
    require("report.review", project)
    form = ReviewForm()
    comment = form.comment_text() if form.validate_on_submit() else None
    if comment is None:
        flash("；".join(form.comment.errors) or "表单已过期，请刷新后重试", "error")
        return redirect(url_for("reports.detail", report_id=report.id)), 303
    accept = request.form.get("decision") == "accept"
    try:
        services.review(
            get_session(), actor=current_actor(), report=report, accept=accept, comment=comment,
            expected_version=form.expected_version(),
        )  # fmt: skip
    except services.ReportError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reports.detail", report_id=report.id)), 303
    flash(
        "审核通过，本月完成投资已写入投资数据" if accept else "已退回，项目负责人将看到审核意见",
        "success",
    )
    return redirect(url_for("reports.detail", report_id=report.id))


@bp.route("/reports/photos/<int:photo_id>/<kind>")
@requires("view")
def photo(photo_id, kind):
    row = load_or_404(services.photo, photo_id)
    _load(row.report_id)  # a deleted report's photos: reviewers only
    if kind not in photos.KINDS:
        abort(404)
    path = photos.path(photos.store_dir(), row.sha256, kind, row.ext)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=photos.mime(kind, row.ext),
        as_attachment=kind == "original",
        download_name=row.original_name or f"photo-{row.id}.{row.ext}",
        conditional=True,
        max_age=3600,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- the month: lists, 调度表, as-of view, 未报送 --------------------------------------------------


@bp.route("/reports")
@requires("view")
def index():
    db, today = get_session(), clock.today()
    period, note = _period_arg(panels.default_period(today))
    f = ProjectFilter.from_args(request.args)
    mine = g.user.role == "pm" and request.args.get("all") != "1"
    page = Page.from_request(settings().page_size)
    src = table.Source(period, only=assigned_project_ids(db, g.user.id) if mine else None)
    totals = src.totals(db, f)
    return render_template(
        "reports/index.html", period=period, note=note, label=logic.label, f=f, mine=mine,
        rows=list(src.rows(db, f, limit=page.size, offset=page.offset)), totals=totals,
        page=page.counted(totals.projects), waiting=_waiting(db), standing=STANDING_LABELS,
        due=logic.due_date(period, settings().report_due_day),
    )  # fmt: skip


def _waiting(db):
    if not user_can("report.review"):
        return []
    return list(
        db.execute(
            select(MonthlyReport)
            .where(MonthlyReport.status == "submitted", MonthlyReport.deleted_at.is_(None))
            .order_by(MonthlyReport.submitted_at)
            .limit(50)
        ).scalars()
    )


@bp.route("/reports/table")
@requires("view")
def dispatch_table():
    db, today = get_session(), clock.today()
    period, note = _period_arg(panels.default_period(today))
    f = ProjectFilter.from_args(request.args)
    src = table.source(db, period, live=request.args.get("live") == "1")
    page = Page.from_request(settings().page_size)
    totals = src.totals(db, f)
    return render_template(
        "reports/table.html", period=period, note=note, label=logic.label, f=f, src=src,
        totals=totals, rows=list(src.rows(db, f, limit=page.size, offset=page.offset)),
        coordination=list(src.rows(db, f, only_coordination=True, limit=50)),
        page=page.counted(totals.projects), **projects.filter_choices(db),
    )  # fmt: skip


@bp.route("/reports/table.xlsx")
@requires("export")
def dispatch_table_xlsx():
    db, today = get_session(), clock.today()
    period, _note = _period_arg(panels.default_period(today))
    f = ProjectFilter.from_args(request.args)
    src = table.source(db, period, live=request.args.get("live") == "1")
    data = table.xlsx(db, src, f, as_of=today, jurisdiction=settings().jurisdiction_name)
    return Response(
        data,
        content_type=XLSX_MIME,
        headers={"Content-Disposition": f'attachment; filename="dispatch-{period}.xlsx"'},
    )


@bp.route("/reports/asof")
@requires("view")
def asof():
    db, today = get_session(), clock.today()
    sealed = snapshots.periods(db)
    closed = logic.last_closed(today, settings().report_due_day)
    period, note = _period_arg(sealed[0] if sealed else closed)
    f = ProjectFilter.from_args(request.args)
    snap = snapshots.get(db, period)
    context = {}
    if snap is not None:
        src = table.Source(period, snap)
        page = Page.from_request(settings().page_size)
        totals = src.totals(db, f)
        context = {
            "totals": totals,
            "health": snapshots.health_counts(db, snap, f),
            "changes": snapshots.changes(db, snap, f),
            "rows": list(src.rows(db, f, limit=page.size, offset=page.offset)),
            "page": page.counted(totals.projects),
        }
    return render_template(
        "reports/asof.html", period=period, note=note, label=logic.label, f=f, snap=snap,
        sealed=sealed, closed=closed, can_seal=period <= closed, **context,
        **projects.filter_choices(db),
    )  # fmt: skip


@bp.route("/reports/asof/seal", methods=["POST"])
@requires("report.review")
def seal():
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    today = clock.today()
    try:
        period = logic.parse_period(request.form.get("month", ""))
    except logic.PeriodError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reports.asof")), 303
    if period > logic.last_closed(today, settings().report_due_day):
        flash(f"{logic.label(period)}的报送期限还没有过，不能封存", "error")
        return redirect(url_for("reports.asof", month=period)), 303
    _snap, taken = snapshots.take(get_session(), period, today=today, actor=current_actor())
    flash(
        f"已封存{logic.label(period)}" if taken else f"{logic.label(period)}早已封存，未改动",
        "success",
    )
    return redirect(url_for("reports.asof", month=period))


@bp.route("/reports/missing")
@requires("view")
def missing():
    db, today = get_session(), clock.today()
    period, note = _period_arg(panels.default_period(today))
    f = ProjectFilter.from_args(request.args)
    rows = deadlines.missing(db, period, f, limit=2000)
    return render_template(
        "reports/missing.html", period=period, note=note, label=logic.label, f=f,
        groups=deadlines.by_builder(rows), count=len(rows),
        due=logic.due_date(period, settings().report_due_day), today=today,
    )  # fmt: skip
