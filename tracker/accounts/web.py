"""Request glue for accounts: who is signed in (session cookie or API token), idle expiry, CSRF,
the login wall, and permission checks in views."""

from datetime import timedelta
from functools import wraps

from flask import Flask, abort, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from tracker import clock
from tracker.accounts import tokens
from tracker.accounts.models import User
from tracker.accounts.roles import can
from tracker.accounts.services import assigned_project_ids, password_fingerprint
from tracker.audit.services import Actor, record_now
from tracker.config import settings
from tracker.db import get_session

PUBLIC_ENDPOINTS = {"accounts.login", "static", "ops.healthz", "ops.readyz"}
IDLE_NOTICE = "长时间未操作，已自动退出，请重新登录"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when configured so, or whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(settings(app).session_cookie_secure) or request.is_secure


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # The idle limit is enforced from the session's own "seen" stamp (so an expired session can
    # say why); the cookie lives a little longer so that stamp still arrives.
    idle = settings(app).session_idle_minutes
    app.permanent_session_lifetime = timedelta(minutes=idle + 24 * 60)
    # CSRF is checked here, after we know whether the request carries an API token.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(_load_user)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _from_token(token: str):
    db = get_session()
    row, user = tokens.lookup(db, token)
    if user is None:
        record_now(
            actor=Actor(row.user_id if row else None, "API 令牌", request.remote_addr or ""),
            action="refused",
            entity="request",
            entity_id=request.path[:80],
            detail="API 令牌无效或已撤销" + (f"（{row.prefix}…）" if row else ""),
        )
        g.refusal_recorded = True
        return jsonify({"error": "API 令牌无效或已撤销", "status": 401}), 401
    tokens.touch(row, clock.now_utc())
    g.user, g.auth = user, "token"
    return None


def _from_session() -> None:
    user_id = session.get("user_id")
    if user_id is None:
        return
    now = clock.now_utc().timestamp()
    idle = settings().session_idle_minutes * 60
    absolute = settings().session_max_hours * 3600
    if now - session.get("seen", 0) > idle or now - session.get("started", 0) > absolute:
        session.clear()
        flash(IDLE_NOTICE, "info")
        return
    user = get_session().get(User, user_id)
    if user is None or not user.is_active or session.get("pw") != password_fingerprint(user):
        session.clear()
        flash("账号已停用或密码已更改，请重新登录", "info")
        return
    session["seen"] = now
    g.user, g.auth = user, "session"


def start_session(user: User) -> None:
    """After a successful login: a fresh session (no fixation) stamped for idle expiry."""
    session.clear()
    now = clock.now_utc().timestamp()
    session.update(user_id=user.id, seen=now, started=now, pw=password_fingerprint(user))
    session.permanent = True


def _load_user():
    g.user, g.auth = None, None
    if request.endpoint == "static":
        return None
    token = _bearer() if request.path.startswith("/api/") else None
    if token is not None:
        refused = _from_token(token)
        if refused is not None:
            return refused
    else:
        _from_session()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.path.startswith("/api/"):
            abort(401)
        target = request.full_path if request.method == "GET" else request.path
        return redirect(url_for("accounts.login", next=target))
    if g.auth != "token" and current_app.config.get("WTF_CSRF_ENABLED", True):
        # A browser sends cookies by itself, so cookie-authenticated writes need the CSRF token;
        # an API token is never sent by a browser on its own, so bearer requests need none.
        current_app.extensions["csrf"].protect(apply_exemptions=True)
    return None


def current_actor() -> Actor:
    user = g.get("user")
    address = (request.remote_addr or "") if request else ""
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
    """Abort with 403 unless the signed-in user may take `action` (on `project`)."""
    if not user_can(action, project):
        g.denied_action = action
        g.denied_project = getattr(project, "code", "")
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
