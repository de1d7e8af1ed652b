"""Request glue for accounts: who is signed in, the login wall, and permission checks in views."""

from functools import wraps

from flask import Flask, abort, g, redirect, request, session, url_for

from tracker.accounts.models import User
from tracker.accounts.roles import can
from tracker.accounts.services import assigned_project_ids
from tracker.audit.services import Actor
from tracker.db import get_session

PUBLIC_ENDPOINTS = {"accounts.login", "static", "health"}


def init_app(app: Flask) -> None:
    app.before_request(_load_user)


def _load_user():
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None:
        user = get_session().get(User, user_id)
        if user is not None and user.is_active:
            g.user = user
        else:
            session.clear()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path))
    return None


def current_actor() -> Actor:
    user = g.get("user")
    address = request.remote_addr or "" if request else ""
    if user is None:
        return Actor(None, "匿名", address)
    return Actor(user.id, user.username, address)


def user_can(action: str, project=None) -> bool:
    """For templates and views: may the signed-in user take `action` (on `project`)?"""
    user = g.get("user")
    if user is None:
        return False
    assigned = project is not None and project.id in _assigned()
    return can(user.role, action, assigned=assigned)


def _assigned() -> set[int]:
    if "assigned_ids" not in g:
        g.assigned_ids = assigned_project_ids(get_session(), g.user.id) if g.get("user") else set()
    return g.assigned_ids


def require(action: str, project=None) -> None:
    """Abort with 403 unless the signed-in user may take `action`."""
    if not user_can(action, project):
        abort(403)


def requires(action: str):
    """Decorator for views whose permission does not depend on a particular project."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(action)
            return view(*args, **kwargs)

        return wrapped

    return decorate
