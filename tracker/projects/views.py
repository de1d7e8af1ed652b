"""Project pages: list, detail, create, edit, archive, data quality."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tracker import clock, extend
from tracker.accounts.web import current_actor, require, requires
from tracker.audit.services import project_history
from tracker.config import settings
from tracker.db import get_session
from tracker.projects import services
from tracker.projects.filters import ProjectFilter
from tracker.projects.forms import ProjectForm
from tracker.projects.logic import seats
from tracker.projects.models import STAGES, STATUSES
from tracker.projects.quality import cost_outliers, portfolio_flags, project_flags

bp = Blueprint("projects", __name__, url_prefix="/projects")


def _load(code: str):
    project = services.get_by_code(get_session(), code)
    if project is None:
        abort(404)
    return project


@bp.route("")
def index():
    f = ProjectFilter.from_args(request.args)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    size = settings().page_size
    db = get_session()
    rows, count = services.list_page(db, f, page=page, page_size=size)
    return render_template(
        "projects/list.html",
        rows=rows,
        count=count,
        page=page,
        pages=max(1, -(-count // size)),
        f=f,
        totals=services.totals(db, f, settings().class_sizes),
        options=services.filter_options(db),
        stages=STAGES,
        statuses=STATUSES,
        sizes=settings().class_sizes,
        seats=seats,
        list_actions=extend.list_actions(),
    )


@bp.route("/<code>")
def detail(code):
    project = _load(code)
    db = get_session()
    quality = settings().quality
    flags = project_flags(
        project, window=quality["window"], max_land_per_class=quality["max_land_per_class"]
    )
    outlier = cost_outliers(services.cost_peers(db, project.stage), quality["cost_factor"])
    if project.id in outlier:
        flags.append(outlier[project.id])
    return render_template(
        "projects/detail.html",
        p=project,
        seats=seats(project, settings().class_sizes),
        flags=flags,
        panels=extend.project_panels(db, project, clock.today()),
        history=project_history(db, project.id, limit=50),
        project_actions=extend.project_actions(),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("project.create")
def create():
    form = ProjectForm()
    if form.validate_on_submit():
        db = get_session()
        values = form.values()
        if services.get_by_code(db, values["code"]):
            form.code.errors.append(f"项目编号 {values['code']} 已被使用")
        else:
            project = services.create_project(db, actor=current_actor(), values=values)
            flash(f"已新建项目「{project.name}」", "success")
            return redirect(url_for(".detail", code=project.code))
    return render_template(
        "projects/form.html", form=form, project=None
    ), 200 if not form.errors else 422


@bp.route("/<code>/edit", methods=["GET", "POST"])
def edit(code):
    project = _load(code)
    require("project.edit", project)
    form = ProjectForm(obj=project) if request.method == "GET" else ProjectForm()
    if request.method == "GET":
        form.total_investment.data = project.total_investment_text or ""
        form.window_investment.data = project.window_investment_text or ""
        form.version.data = project.version
    form.code.data = project.code  # the code is stable: never edited through the form
    if form.validate_on_submit():
        # A form without its version cannot prove it saw the latest data: refuse it as stale.
        version = int(form.version.data) if (form.version.data or "").isdigit() else 0
        changes = services.update_project(
            get_session(),
            actor=current_actor(),
            project=project,
            values=form.values(),
            expected_version=version,
        )
        flash(f"已保存（修改了 {len(changes)} 项）" if changes else "没有改动", "success")
        return redirect(url_for(".detail", code=project.code))
    status = 422 if form.errors else 200
    return render_template("projects/form.html", form=form, project=project), status


@bp.route("/<code>/archive", methods=["POST"])
def archive(code):
    project = _load(code)
    require("project.archive", project)
    restore = request.form.get("restore") == "1"
    services.set_archived(
        get_session(), actor=current_actor(), project=project, archived=not restore
    )
    flash("已恢复项目" if restore else "已归档项目（数据和历史都保留）", "success")
    return redirect(url_for(".detail", code=code))


@bp.route("/quality")
def quality():
    db = get_session()
    projects = services.flag_rows(db, ProjectFilter())
    flags = portfolio_flags(projects, **settings().quality)
    flagged = [(p, flags[p.id]) for p in projects if p.id in flags]
    return render_template("projects/quality.html", flagged=flagged, total=len(projects))
