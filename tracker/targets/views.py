"""规划目标 pages: plans with attainment bars, one target with its projects, linking, and the API."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from tracker import clock
from tracker.accounts.web import current_actor, require
from tracker.config import settings
from tracker.db import get_session
from tracker.projects.services import get_by_code
from tracker.targets import services
from tracker.targets.api import target_json
from tracker.targets.forms import LinkForm, TargetForm, UnlinkForm, version_of
from tracker.web import load_or_404

bp = Blueprint("targets", __name__, url_prefix="/targets")
api = Blueprint("targets_api", __name__, url_prefix="/api")


def _scope() -> str:
    return "/".join(
        p.strip() for p in request.args.get("jurisdiction", "").split("/") if p.strip()
    )[:200]


def _evaluate(scope: str = ""):
    return services.evaluate(
        get_session(), today=clock.today(), class_sizes=settings().class_sizes, scope=scope
    )


@bp.route("")
def index():
    require("view")
    scope = _scope()
    views = _evaluate(scope)
    return render_template(
        "targets/index.html",
        plans=services.by_plan(views),
        areas=services.sub_areas(get_session(), scope, views) if scope else [],
        scope=scope,
        options=services.jurisdiction_options(get_session()),
        today=clock.today(),
    )


def _detail(target_id: int, form: LinkForm | None = None, status: int = 200):
    view = load_or_404(lambda _db, tid: services.find(_evaluate(), tid), target_id)
    db = get_session()
    links = services.links_of(db, target_id)
    projects = services.projects_by_id(db, set(view.att.project_ids) | set(links))
    form = form or LinkForm(formdata=None, version=view.target.version)
    return render_template(
        "targets/detail.html",
        v=view,
        links=links,
        projects=projects,
        form=form,
        today=clock.today(),
    ), status


@bp.route("/<int:target_id>")
def detail(target_id):
    require("view")
    return _detail(target_id)


@bp.route("/<int:target_id>/links", methods=["POST"])
def link(target_id):
    require("target.edit")
    target = load_or_404(services.get_target, target_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return _detail(target_id, form, status=422)
    project = get_by_code(get_session(), form.project_code.data.strip())
    if project is None:
        form.project_code.errors.append(f"找不到项目编号「{form.project_code.data.strip()}」")
        return _detail(target_id, form, status=422)
    changed = services.set_link(
        get_session(),
        actor=current_actor(),
        target=target,
        project=project,
        kind=form.kind.data,
        expected_version=version_of(form),
    )
    word = "已计入此目标" if form.kind.data == "include" else "已从此目标排除"
    flash(f"「{project.name}」{word}" if changed else "没有改动", "success")
    return redirect(url_for(".detail", target_id=target_id))


@bp.route("/<int:target_id>/links/remove", methods=["POST"])
def unlink(target_id):
    require("target.edit")
    target = load_or_404(services.get_target, target_id)
    form = UnlinkForm()
    project = get_by_code(get_session(), (form.project_code.data or "").strip())
    if not form.validate_on_submit() or project is None:
        flash("没有找到要取消关联的项目", "error")
        return _detail(target_id, status=422)
    changed = services.remove_link(
        get_session(),
        actor=current_actor(),
        target=target,
        project=project,
        expected_version=version_of(form),
    )
    flash(f"已取消「{project.name}」的手工关联" if changed else "没有改动", "success")
    return redirect(url_for(".detail", target_id=target_id))


def _render_form(form, plan, target):
    page = render_template("targets/form.html", form=form, plan=plan, target=target)
    return page, 422 if request.method == "POST" else 200


@bp.route("/<int:target_id>/edit", methods=["GET", "POST"])
def edit(target_id):
    require("target.edit")
    target = load_or_404(services.get_target, target_id)
    plan = services.get_plan(get_session(), target.plan_id)
    form = TargetForm.for_target(target, services.jurisdiction_options(get_session()))
    if not form.validate_on_submit():
        return _render_form(form, plan, target)
    changes = services.update_target(
        get_session(),
        actor=current_actor(),
        target=target,
        values=form.values(),
        expected_version=version_of(form),
    )
    flash(f"已保存（修改了 {len(changes)} 项）" if changes else "没有改动", "success")
    return redirect(url_for(".detail", target_id=target.id))


@bp.route("/plans/<int:plan_id>/new", methods=["GET", "POST"])
def create(plan_id):
    require("target.edit")
    plan = load_or_404(services.get_plan, plan_id)
    form = TargetForm.for_plan(plan, services.jurisdiction_options(get_session()))
    if not form.validate_on_submit():
        return _render_form(form, plan, None)
    target = services.create_target(
        get_session(), actor=current_actor(), plan=plan, values=form.values()
    )
    flash("已新增目标", "success")
    return redirect(url_for(".detail", target_id=target.id))


@api.route("/targets")
def api_targets():
    require("view")
    scope = _scope()
    views = services.flatten(_evaluate(scope))
    return jsonify(
        {
            "jurisdiction": scope,
            "as_of": clock.today().isoformat(),
            "count": len(views),
            "targets": [target_json(v) for v in views],
        }
    )
