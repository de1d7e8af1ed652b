"""用户管理 for administrators: create, edit role/projects, disable, reset password."""

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from wtforms import SelectChoice

from tracker.accounts import services
from tracker.accounts.forms import UserCreateForm, UserEditForm
from tracker.accounts.models import User
from tracker.accounts.web import current_actor, requires
from tracker.db import get_session
from tracker.extend import project_refs

bp = Blueprint("users", __name__, url_prefix="/users")


def _load(user_id: int) -> User:
    user = services.get_user(get_session(), user_id)
    if user is None:
        abort(404)
    return user


def _project_choices() -> list[SelectChoice]:
    return [SelectChoice(value=p.id, label=p.title) for p in project_refs(get_session())]


@bp.route("")
@requires("users.manage")
def index():
    db = get_session()
    users = services.list_users(db)
    counts = {u.id: len(services.assigned_project_ids(db, u.id)) for u in users}
    return render_template("accounts/users.html", users=users, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@requires("users.manage")
def create():
    form = UserCreateForm()
    if form.validate_on_submit():
        password = form.password.data or secrets.token_urlsafe(12)
        try:
            user = services.create_user(
                get_session(),
                actor=current_actor(),
                username=form.username.data,
                password=password,
                role=form.role.data,
                display_name=(form.display_name.data or "").strip(),
            )
        except services.AccountError as exc:
            form.username.errors.append(str(exc))
        else:
            shown = None if form.password.data else password
            return render_template("accounts/user_created.html", user=user, password=shown)
    return render_template("accounts/user_new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@requires("users.manage")
def edit(user_id):
    db, user = get_session(), _load(user_id)
    form = UserEditForm.for_user(
        user, _project_choices(), services.assigned_project_ids(db, user.id)
    )
    if not form.validate_on_submit():
        return _edit_page(form, user)
    try:
        count = services.update_user(
            db,
            actor=current_actor(),
            user=user,
            values=form.values(),
            project_ids=set(form.projects.data or []),
            expected_version=form.expected_version(),
        )
    except services.AccountError as exc:
        form.role.errors.append(str(exc))
        return _edit_page(form, user)
    flash(f"已保存（{count} 项改动）" if count else "没有改动", "success")
    return redirect(url_for(".edit", user_id=user.id))


def _edit_page(form, user):
    page = render_template("accounts/user_edit.html", form=form, user=user)
    return page, 422 if form.errors else 200


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@requires("users.manage")
def reset_password(user_id):
    user = _load(user_id)
    password = services.reset_password(get_session(), actor=current_actor(), user=user)
    return render_template("accounts/user_created.html", user=user, password=password, reset=True)
