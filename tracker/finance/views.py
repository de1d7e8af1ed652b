"""The 投资 pages: pivots with charts, plan-window reconciliation, exports, edit form and upload."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from tracker import clock
from tracker.accounts.web import current_actor, require, requires
from tracker.config import settings
from tracker.db import Page, get_session
from tracker.finance import charts, checks, export, pivots, services, upload
from tracker.finance.forms import FinanceForm, UploadForm
from tracker.finance.logic import overrun_warnings, shown, unit_or_default
from tracker.finance.window import reconcile
from tracker.projects import services as project_services
from tracker.projects.filters import ProjectFilter
from tracker.tabular import CSV_MIME, XLSX_MIME, csv_bytes
from tracker.web import load_or_404

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
    db, f, by = get_session(), ProjectFilter.from_args(request.args), _by()
    page = Page.from_request(settings().page_size)
    paged = {"limit": page.size, "offset": page.offset} if by == "project" else {}
    table = pivots.pivot(db, by, f, **paged)
    return render_template(
        "finance/index.html",
        f=f,
        by=by,
        unit=unit_or_default(request.args.get("unit")),
        table=table,
        page=page.counted(table.count if by == "project" else 0),
        labels=pivots.BY,
        charts=CHARTS,
        shown=shown,
        window=settings().plan_window,
        **checks.page_checks(db, f, limit=page.size),
        **project_services.filter_choices(db),
    )


@bp.route("/window")
@requires("view")
def window():
    f = ProjectFilter.from_args(request.args)
    unit = unit_or_default(request.args.get("unit"))
    result = reconcile(get_session(), f, settings().plan_window)
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
        columns, rows, total, _title = export.table(db, by, f, settings().plan_window)
        data = export.to_csv(columns, rows, total, unit)
    else:
        data = export.to_xlsx(
            db,
            f,
            unit,
            window=settings().plan_window,
            as_of=today,
            jurisdiction=settings().jurisdiction_name,
            active=by,
        )
    name = f"finance-{by}-{today:%Y%m%d}.{fmt}"
    return Response(  # content_type, not mimetype: Flask would add a second charset
        data,
        content_type=MIME[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/projects/<code>", methods=["GET", "POST"])
def edit(code):
    project = load_or_404(project_services.get_by_code, code)
    require("finance.edit", project)
    db, month_year = get_session(), clock.today().year
    stored = services.project_finance(db, project)
    form = FinanceForm.for_sheet(stored, project, month_year)
    entered = form.entered(project, month_year) if form.validate_on_submit() else None
    if entered is None:
        page = render_template(
            "finance/edit.html", p=project, form=form, month_year=month_year, stored=stored
        )
        return page, 422 if request.method == "POST" else 200
    changes = services.save_project_finance(
        db,
        actor=current_actor(),
        project=project,
        years=entered.years,
        months=entered.months,
        funding=entered.funding,
        expected_version=form.expected_version(),
        month_year=month_year,
    )
    flash(f"已保存投资数据（{len(changes)} 处改动）" if changes else "没有改动", "success")
    for warning in overrun_warnings(entered.years, settings().finance_overrun_warn_percent):
        flash(warning, "warning")
    return redirect(url_for("projects.detail", code=project.code))


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
            margin_percent=settings().finance_overrun_warn_percent,
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
