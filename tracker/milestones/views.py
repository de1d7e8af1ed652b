"""Milestone pages: the PM's plan form, the 需要更新 list and the portfolio Gantt view."""

from flask import (
    Blueprint,
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
from tracker.config import settings
from tracker.db import Page, get_session
from tracker.milestones import services, worklists
from tracker.milestones.forms import PlanForm
from tracker.projects import services as projects
from tracker.projects.filters import ProjectFilter
from tracker.web import load_or_404

bp = Blueprint("milestones", __name__)


@bp.route("/projects/<code>/milestones", methods=["GET", "POST"])
def edit(code):
    project = load_or_404(projects.get_by_code, code)
    require("milestone.edit", project)
    db = get_session()
    form = PlanForm.for_plan(
        services.milestones_of(db, project.id), services.schedule_of(db, project.id)
    )
    rows = (
        form.checked_rows(clock.today(), project.start_year) if form.validate_on_submit() else None
    )
    if rows is None:
        return _edit_page(db, form, project), 422 if form.problems or form.errors else 200
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


def _edit_page(db, form: PlanForm, project) -> str:
    return render_template(
        "milestones/edit.html",
        form=form,
        p=project,
        problems=form.problems,
        known={str(m.id): m for m in services.milestones_of(db, project.id)},
        history=services.history(db, project.id, limit=30),
    )


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
    page = Page.from_request(settings().page_size)
    chart, count = worklists.gantt(
        get_session(), f, clock.today(), page=page.number, size=page.size
    )
    return render_template(
        "milestones/gantt.html", chart=chart, f=f, page=page.counted(count), count=count
    )
