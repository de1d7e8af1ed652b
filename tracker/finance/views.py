"""The 投资 pages: pivots with charts, plan-window reconciliation, exports, edit form and upload."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from tracker import clock
from tracker.accounts.web import current_actor, require, requires
from tracker.db import get_session
from tracker.finance import charts, checks, export, pivots, services, upload
from tracker.finance.forms import FinanceForm, UploadForm, read_inputs
from tracker.finance.logic import (
    exact_text,
    exceeds_margin,
    shown,
    unit_or_default,
    year_in_period,
)
from tracker.finance.window import reconcile
from tracker.projects import services as project_services
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import STAGES, STATUSES
from tracker.tabular import CSV_MIME, XLSX_MIME, csv_bytes
from tracker.web import plan_window

bp = Blueprint("finance", __name__, url_prefix="/finance")
MIME = {"csv": CSV_MIME, "xlsx": XLSX_MIME}


def _by() -> str:
    by = request.args.get("by", "year")
    return by if by in pivots.BY else "year"


CHARTS = {
    "year": ("按年度：计划与完成", (("planned", "年度计划投资"), ("completed", "完成投资"))),
    "subdistrict": ("按街道：总投资与完成投资", (("total", "总投资"), ("completed", "完成投资"))),
    "stage": ("按学段：总投资与完成投资", (("total", "总投资"), ("completed", "完成投资"))),
}


@bp.route("/chart/<kind>.svg")
@requires("view")
def chart(kind):
    if kind not in CHARTS:
        abort(404)
    f = ProjectFilter.from_args(request.args)
    unit = unit_or_default(request.args.get("unit"))
    db = get_session()
    if kind == "year":
        table = pivots.year_pivot(db, f, totals=False)
    else:
        table = pivots.group_pivot(db, kind, f, totals=False)
    title, series = CHARTS[kind]
    svg = charts.bar_chart(
        title,
        [r["label"] for r in table.rows],
        [(name, [r[key] for r in table.rows]) for key, name in series],
        unit,
    )
    return Response(str(svg), mimetype="image/svg+xml")


@bp.route("")
@requires("view")
def index():
    db = get_session()
    f, by = ProjectFilter.from_args(request.args), _by()
    unit = unit_or_default(request.args.get("unit"))
    size = current_app.config["PAGE_SIZE"]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    paged = {"limit": size, "offset": (page - 1) * size} if by == "project" else {}
    table = pivots.pivot(db, by, f, **paged)
    return render_template(
        "finance/index.html",
        f=f,
        by=by,
        unit=unit,
        table=table,
        page=page,
        pages=max(1, -(-table.count // size)) if by == "project" else 1,
        labels=pivots.BY,
        coverage=checks.coverage(db, f),
        over_plan=checks.plan_above_total(db, f, limit=size),
        funding_off=checks.funding_mismatch(db, f, limit=size),
        charts=CHARTS,
        options=project_services.filter_options(db),
        stages=STAGES,
        statuses=STATUSES,
        shown=shown,
        window=plan_window(),
    )


@bp.route("/window")
@requires("view")
def window():
    f = ProjectFilter.from_args(request.args)
    unit = unit_or_default(request.args.get("unit"))
    result = reconcile(get_session(), f, plan_window())
    return render_template(
        "finance/window.html", f=f, unit=unit, result=result, shown=shown, by="window"
    )


@bp.route("/export.<fmt>")
@requires("export")
def download(fmt):
    by = request.args.get("by", "year")
    if fmt not in MIME or (by not in pivots.BY and by != export.WINDOW):
        abort(404)
    f = ProjectFilter.from_args(request.args)
    unit = unit_or_default(request.args.get("unit"))
    db, today = get_session(), clock.today()
    if fmt == "csv":
        columns, rows, total, _title = export.table(db, by, f, plan_window())
        data = export.to_csv(columns, rows, total, unit)
    else:
        data = export.to_xlsx(
            db,
            f,
            unit,
            window=plan_window(),
            as_of=today,
            jurisdiction=current_app.config["JURISDICTION_NAME"],
            active=by,
        )
    name = f"finance-{by}-{today:%Y%m%d}.{fmt}"
    return Response(  # content_type, not mimetype: Flask would add a second charset
        data,
        content_type=MIME[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _load(code: str):
    project = project_services.get_by_code(get_session(), code)
    if project is None:
        abort(404)
    return project


def _form_data(stored, project, unit: str, extra: int, month_year: int) -> dict:
    months = {m.month: m for m in stored.months if m.year == month_year}
    has_month_rows = year_in_period(month_year, project.start_year, project.end_year)
    return {
        "unit": unit,
        "version": str(stored.version),
        "years": [
            {
                "year": str(y.year),
                "planned": exact_text(y.planned_fen, unit) or "",
                "completed": exact_text(y.completed_fen, unit) or "",
            }
            for y in stored.years
        ]
        + [{}] * extra,
        "months": [
            {
                "month": str(m),
                "planned": exact_text(months[m].planned_fen, unit) or "" if m in months else "",
                "completed": exact_text(months[m].completed_fen, unit) or "" if m in months else "",
            }
            for m in range(1, 13)
        ]
        if has_month_rows
        else [],
        "funding": [
            {"source": s.source, "amount": exact_text(s.amount_fen, unit), "note": s.note}
            for s in stored.funding
        ]
        + [{}] * extra,
    }


def _overrun_warnings(years) -> list[str]:
    margin = current_app.config["FINANCE_OVERRUN_WARN_PERCENT"]
    return [
        f"提示：{y.year} 年完成投资 {exact_text(y.completed_fen, '万元')} 万元超过年度计划 "
        f"{exact_text(y.planned_fen, '万元')} 万元的 {100 + margin}%（已照常保存）"
        for y in years
        if exceeds_margin(y.planned_fen, y.completed_fen, margin)
    ]


@bp.route("/projects/<code>", methods=["GET", "POST"])
def edit(code):
    project = _load(code)
    require("finance.edit", project)
    db = get_session()
    stored = services.project_finance(db, project)
    month_year = clock.today().year
    stale = None
    if request.method == "GET":
        unit = unit_or_default(request.args.get("unit"), "万元")
        extra = min(20, max(1, request.args.get("extra", 3, type=int) or 3))
        form = FinanceForm(data=_form_data(stored, project, unit, extra, month_year))
    else:
        form = FinanceForm()
        if form.validate_on_submit():
            years, months, funding, ok = read_inputs(form, project, month_year)
            if ok:
                other_months = [
                    services.MonthInput(m.year, m.month, m.planned_fen, m.completed_fen)
                    for m in stored.months
                    if m.year != month_year
                ]
                version = form.version.data or ""
                try:
                    changes = services.save_project_finance(
                        db,
                        actor=current_actor(),
                        project=project,
                        years=years,
                        months=other_months + months,
                        funding=funding,
                        expected_version=int(version) if version.isdigit() else None,
                    )
                except services.StaleFinanceError as exc:
                    stale = exc.changes
                else:
                    flash(
                        f"已保存投资数据（{len(changes)} 处改动）" if changes else "没有改动",
                        "success",
                    )
                    for warning in _overrun_warnings(years):
                        flash(warning, "warning")
                    return redirect(url_for("projects.detail", code=project.code))
    has_errors = any(
        field.errors for row in [*form.years, *form.months, *form.funding] for field in row
    ) or bool(form.errors)
    status = 409 if stale is not None else (422 if request.method == "POST" and has_errors else 200)
    return render_template(
        "finance/edit.html",
        p=project,
        form=form,
        stale=stale,
        month_year=month_year,
        stored=stored,
    ), status


@bp.route("/upload", methods=["GET", "POST"])
@requires("finance.edit")
def upload_sheet():
    form = UploadForm()
    outcome = None
    if form.validate_on_submit():
        file = form.file.data
        outcome = upload.upload_finance(
            get_session(),
            actor=current_actor(),
            data=file.read(),
            filename=file.filename or "",
            margin_percent=current_app.config["FINANCE_OVERRUN_WARN_PERCENT"],
            dry_run=form.dry_run.data,
        )
    status = 422 if (outcome and not outcome.ok) or form.errors else 200
    return render_template(
        "finance/upload.html", form=form, outcome=outcome, headers=upload.TEMPLATE_HEADERS
    ), status


@bp.route("/upload/template.csv")
@requires("finance.edit")
def template():
    return Response(
        csv_bytes(upload.TEMPLATE_HEADERS, []),
        content_type=MIME["csv"],
        headers={"Content-Disposition": 'attachment; filename="finance-template.csv"'},
    )
