"""Milestone pages: the PM's plan form, the 需要更新 list and the portfolio Gantt view."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from tracker import clock
from tracker.accounts.services import assigned_project_ids
from tracker.accounts.web import current_actor, require, requires
from tracker.db import get_session
from tracker.milestones import services, worklists
from tracker.milestones.forms import PlanForm
from tracker.milestones.validation import check_plan
from tracker.projects import services as projects
from tracker.projects.filters import ProjectFilter

bp = Blueprint("milestones", __name__)


def _load(code: str):
    project = projects.get_by_code(get_session(), code)
    if project is None:
        abort(404)
    return project


@bp.route("/projects/<code>/milestones", methods=["GET", "POST"])
def edit(code):
    project = _load(code)
    require("milestone.edit", project)
    db = get_session()
    schedule = services.schedule_of(db, project.id)
    form = PlanForm()
    if request.method == "GET":
        form.fill(services.milestones_of(db, project.id), schedule.opening_year, schedule.version)
    problems = []
    if form.validate_on_submit():
        rows, problems = check_plan(
            form.inputs(), today=clock.today(), start_year=project.start_year
        )
        form.attach(problems)
        if not problems:
            changed = services.save_plan(
                db,
                actor=current_actor(),
                project=project,
                rows=rows,
                opening_year_value=form.opening_year_value(),
                expected_version=form.expected_version() or 0,
            )
            flash(f"里程碑已保存（{changed} 处改动）" if changed else "没有改动", "success")
            return redirect(url_for("projects.detail", code=project.code))
    status = 422 if (problems or form.errors) else 200
    return render_template(
        "milestones/edit.html",
        form=form,
        p=project,
        problems=problems,
        known={str(m.id): m for m in services.milestones_of(db, project.id)},
        history=services.history(db, project.id, limit=30),
    ), status


@bp.route("/milestones/needs-update")
@requires("view")
def needs_update():
    db = get_session()
    f = ProjectFilter.from_args(request.args)
    mine = g.user.role == "pm" and request.args.get("all") != "1"
    only = assigned_project_ids(db, g.user.id) if mine else None
    groups = worklists.needs_update(db, f, clock.today(), only)
    return render_template(
        "milestones/needs_update.html", groups=groups, f=f, today=clock.today(), mine=mine
    )


@bp.route("/milestones/gantt")
@requires("view")
def gantt():
    f = ProjectFilter.from_args(request.args)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    size = current_app.config["PAGE_SIZE"]
    chart, count = worklists.gantt(get_session(), f, clock.today(), page=page, size=size)
    return render_template(
        "milestones/gantt.html",
        chart=chart,
        f=f,
        page=page,
        pages=max(1, -(-count // size)),
        count=count,
    )
