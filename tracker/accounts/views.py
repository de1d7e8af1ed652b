"""登录 / 退出 and the signed-in user's own page (password, API tokens)."""

import logging
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from tracker import clock
from tracker.accounts import throttle, tokens
from tracker.accounts.forms import LoginForm, PasswordForm, TokenForm
from tracker.accounts.services import (
    AccountError,
    SignIn,
    assigned_project_ids,
    change_password,
    sign_in,
)
from tracker.accounts.web import current_actor, requires, start_session
from tracker.audit.services import Actor, record, record_now
from tracker.config import settings
from tracker.db import get_session
from tracker.extend import project_refs

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)
FIRST_PASSWORD_FILE = "admin-password.txt"  # written by `flask ensure-admin`


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    text = target or ""
    odd = "\\" in text or any(ord(c) < 32 for c in text)  # browsers read "/\\x" as "//x"
    if parts.scheme or parts.netloc or odd or not text.startswith("/") or text.startswith("//"):
        return url_for("home.index")
    return text


def _refuse_login(form, username: str, attempt: SignIn):
    log.warning(
        "login refused for %r from %s: %s", username[:80], request.remote_addr, attempt.reason
    )
    record_now(
        actor=Actor(None, username[:80], request.remote_addr or ""),
        action="login_failed",
        entity="user",
        entity_id=username[:80],
        detail=attempt.reason,
    )
    g.refusal_recorded = True
    form.password.errors.append(attempt.message)
    return render_template("accounts/login.html", form=form), attempt.status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 422 if form.errors else 200
    username = form.username.data.strip()
    attempt = sign_in(
        get_session(),
        username=username,
        password=form.password.data,
        address=request.remote_addr or "",
        now=clock.now_utc(),
        policy=throttle.Policy.from_settings(settings()),
    )
    if attempt.user is None:
        return _refuse_login(form, username, attempt)
    start_session(attempt.user)
    record(
        get_session(),
        actor=Actor(attempt.user.id, attempt.user.username, request.remote_addr or ""),
        action="login",
        entity="user",
        entity_id=attempt.user.username,
    )
    return redirect(_safe_next(form.next.data))


@bp.route("/logout", methods=["POST"])
def logout():
    actor = current_actor()
    record(get_session(), actor=actor, action="logout", entity="user", entity_id=actor.username)
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("accounts.login"))


def _account_page(status: int = 200, **extra):
    db = get_session()
    context = {
        "password_form": PasswordForm(),
        "token_form": TokenForm(),
        "tokens": tokens.user_tokens(db, g.user.id),
        "projects": _assigned_projects(db),
    } | extra
    return render_template("accounts/account.html", **context), status


def _assigned_projects(db):
    return project_refs(db, assigned_project_ids(db, g.user.id))


@bp.route("/account")
@requires("view")
def account():
    return _account_page()


@bp.route("/account/password", methods=["POST"])
@requires("view")
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(
                get_session(),
                actor=current_actor(),
                user=g.user,
                current=form.current.data,
                new=form.new.data,
            )
        except AccountError as exc:
            target = form.current if "当前" in str(exc) else form.new
            target.errors.append(str(exc))
        else:
            start_session(g.user)  # this session stays valid; every other one ends
            _forget_first_password(g.user.username)
            flash("密码已修改，其他设备上的登录已失效", "success")
            return redirect(url_for(".account"))
    return _account_page(422, password_form=form)


def _forget_first_password(username: str) -> None:
    """The first administrator's password, kept in instance/ by ensure-admin, is useless once
    changed: remove the file rather than leave a stale secret lying around."""
    path = Path(current_app.instance_path) / FIRST_PASSWORD_FILE
    if path.exists() and path.read_text().startswith(f"username: {username}\n"):
        path.unlink()


@bp.route("/account/tokens", methods=["POST"])
@requires("view")
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            row, token = tokens.create_token(
                get_session(), actor=current_actor(), user=g.user, name=form.name.data
            )
        except tokens.TokenError as exc:
            form.name.errors.append(str(exc))
        else:
            # Shown in this response only: never flashed (the session cookie is not encrypted).
            return _account_page(
                new_token=token, new_token_row=row, token_form=TokenForm(formdata=None)
            )
    return _account_page(422, token_form=form)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@requires("view")
def revoke_token(token_id):
    try:
        tokens.revoke(
            get_session(),
            actor=current_actor(),
            user=g.user,
            token_id=token_id,
            now=clock.now_utc(),
        )
    except tokens.TokenError:
        abort(404)
    flash("令牌已撤销，使用它的程序将无法再访问", "success")
    return redirect(url_for(".account"))
