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
from sqlmodel import Session, select

from tracker import clock
from tracker.accounts import throttle, tokens
from tracker.accounts.forms import LoginForm, PasswordForm, TokenForm
from tracker.accounts.models import User
from tracker.accounts.services import (
    AccountError,
    assigned_project_ids,
    authenticate,
    change_password,
)
from tracker.accounts.web import current_actor, requires, start_session
from tracker.audit.services import Actor, record, record_now
from tracker.config import settings
from tracker.db import engine, get_session
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


def _refuse_login(form, username: str, reason: str, status: int, message: str):
    log.warning("login refused for %r from %s: %s", username[:80], request.remote_addr, reason)
    record_now(
        actor=Actor(None, username[:80], request.remote_addr or ""),
        action="login_failed",
        entity="user",
        entity_id=username[:80],
        detail=reason,
    )
    g.refusal_recorded = True
    form.password.errors.append(message)
    return render_template("accounts/login.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 422 if form.errors else 200
    username, now = form.username.data.strip(), clock.now_utc()
    keys = throttle.keys_for(username, request.remote_addr or "")
    policy = throttle.Policy.from_settings(settings())
    with Session(engine()) as counters:
        wait = throttle.locked_for(counters, keys, now)
        if wait:
            return _refuse_login(
                form, username, f"已锁定，{wait} 秒后可再试", 429, _locked_message(wait)
            )
        user = authenticate(get_session(), username, form.password.data)
        if user is None:
            wait = throttle.register_failure(counters, keys, now, policy)
            message = _locked_message(wait) if wait else "用户名或密码错误，或账号已停用"
            return _refuse_login(form, username, _why(username), 401, message)
        throttle.clear(counters, keys["account"])
    start_session(user)
    user.last_login_at = now
    get_session().add(user)
    record(
        get_session(),
        actor=current_actor_for(user),
        action="login",
        entity="user",
        entity_id=user.username,
    )
    return redirect(_safe_next(form.next.data))


def current_actor_for(user) -> Actor:
    return Actor(user.id, user.username, request.remote_addr or "")


def _locked_message(wait: int) -> str:
    minutes = -(-wait // 60)
    return f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试"


def _why(username: str) -> str:
    """For the audit trail only (the page never says which part was wrong)."""
    user = get_session().exec(select(User).where(User.username == username)).first()
    if user is None:
        return "用户不存在"
    return "账号已停用" if not user.is_active else "密码错误"


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
