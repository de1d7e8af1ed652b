"""登录 / 退出."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from tracker.accounts.forms import LoginForm
from tracker.accounts.services import authenticate
from tracker.accounts.web import current_actor
from tracker.audit.services import Actor, record
from tracker.db import get_session

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.username.data, form.password.data)
        if user is None:
            record(
                db,
                actor=Actor(None, form.username.data[:80], request.remote_addr or ""),
                action="login_failed",
                entity="user",
                entity_id=form.username.data[:80],
            )
            db.commit()  # the failed attempt is recorded even though the response is an error
            form.password.errors.append("用户名或密码错误，或账号已停用")
            return render_template("accounts/login.html", form=form), 401
        session.clear()
        session["user_id"] = user.id
        session.permanent = True
        record(
            db,
            actor=Actor(user.id, user.username, request.remote_addr or ""),
            action="login",
            entity="user",
            entity_id=user.username,
        )
        return redirect(_safe_next(form.next.data))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    record(
        get_session(),
        actor=current_actor(),
        action="logout",
        entity="user",
        entity_id=current_actor().username,
    )
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("accounts.login"))
