"""Project pages: list, detail, create, edit, archive, data quality."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from tracker import clock, extend
from tracker.accounts.web import current_actor, require, requires
from tracker.audit.services import project_history
from tracker.config import settings
from tracker.db import Page, get_session
from tracker.projects import services
from tracker.projects.filters import ProjectFilter
from tracker.projects.forms import ProjectForm
from tracker.projects.logic import seats
from tracker.web import load_or_404

bp = Blueprint("projects", __name__, url_prefix="/projects")


def _load(code: str):
    return load_or_404(services.get_by_code, code)


@bp.route("")
def index():
    f = ProjectFilter.from_args(request.args)
    page = Page.from_request(settings().page_size)
    db = get_session()
    rows, count = services.list_page(db, f, page=page.number, page_size=page.size)
    return render_template(
        "projects/list.html",
        rows=rows,
        count=count,
        page=page.counted(count),
        f=f,
        totals=services.totals(db, f, settings().class_sizes),
        sizes=settings().class_sizes,
        seats=seats,
        list_actions=extend.list_actions(),
        **services.filter_choices(db),
    )


@bp.route("/<code>")
def detail(code):
    project = _load(code)
    db = get_session()
    return render_template(
        "projects/detail.html",
        p=project,
        seats=seats(project, settings().class_sizes),
        flags=services.quality_flags(db, project, settings().quality),
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
    form = ProjectForm.for_project(project)
    if not form.validate_on_submit():
        return render_template("projects/form.html", form=form, project=project), (
            422 if form.errors else 200
        )
    changes = services.update_project(
        get_session(),
        actor=current_actor(),
        project=project,
        values=form.values(),
        expected_version=form.expected_version(),
    )
    flash(f"已保存（修改了 {len(changes)} 项）" if changes else "没有改动", "success")
    return redirect(url_for(".detail", code=project.code))


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
    flagged, total = services.flagged_projects(get_session(), settings().quality)
    return render_template("projects/quality.html", flagged=flagged, total=total)
