"""Login, logout, throttling of failed logins, idle expiry, cookies and password changes."""

import re
from datetime import timedelta

import pytest
from conftest import PASSWORD, AuthActions
from sqlmodel import select

from tracker import clock
from tracker.accounts.models import LoginThrottle, User
from tracker.audit.models import AuditEntry


def _entries(db, action):
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)))


def _login(client, username, password, **kwargs):
    return client.post_form("/login", {"username": username, "password": password}, **kwargs)


def test_pages_need_login_and_keep_where_you_were_going(client):
    response = client.get("/projects?stage=小学")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert client.get("/api/projects").status_code == 401
    assert client.get("/api/projects").get_json()["error"] == "请先登录"
    assert client.get("/healthz").status_code == 200


def test_login_success_is_audited_and_redirects_only_inside_the_app(client, auth, db):
    user = auth.make_user("viewer")
    response = client.post_form(
        "/login", {"username": user.username, "password": PASSWORD, "next": "/projects?stage=小学"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/projects?stage=%E5%B0%8F%E5%AD%A6"
    (entry,) = _entries(db, "login")
    assert entry.username == user.username and entry.address == "127.0.0.1"
    db.refresh(user)
    assert user.last_login_at is not None
    for evil in (
        "//evil.example/x",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "/\t/evil.example",
    ):
        auth.logout()
        r = client.post_form(
            "/login", {"username": user.username, "password": PASSWORD, "next": evil}
        )
        assert r.headers["Location"] == "/"  # never sent off to another site


def test_wrong_password_and_unknown_user_are_refused_recorded_and_look_alike(client, auth, db):
    user = auth.make_user("pm")
    wrong = _login(client, user.username, "not-the-password")
    unknown = _login(client, "nobody", "whatever-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert "用户名或密码错误" in unknown.get_data(as_text=True)
    failed = _entries(db, "login_failed")
    assert {(e.entity_id, e.detail) for e in failed} == {
        (user.username, "密码错误"),
        ("nobody", "用户不存在"),
    }
    assert all(e.address == "127.0.0.1" for e in failed)
    assert client.get("/projects").status_code == 302  # still signed out


def test_disabled_user_cannot_log_in_and_is_logged_out(client, auth, db):
    user = auth.login("viewer")
    assert client.get("/projects").status_code == 200
    user = db.get(User, user.id)
    user.is_active = False
    db.add(user)
    db.commit()
    assert client.get("/projects").status_code == 302  # the open session ends at once
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 401
    assert _entries(db, "login_failed")[-1].detail == "账号已停用"


def test_repeated_failures_lock_the_account_exponentially(app, client, auth, db, monkeypatch):
    app.config.update(LOGIN_LOCK_AFTER=3, LOGIN_LOCK_SECONDS=30)
    user = auth.make_user("admin")
    now = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    for _ in range(2):
        assert _login(client, user.username, "wrong-password-1").status_code == 401
    third = _login(client, user.username, "wrong-password-1")
    assert third.status_code == 401 and "已暂时锁定" in third.get_data(as_text=True)
    # Locked: even the right password is not checked now.
    locked = _login(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    db.expire_all()
    row = db.exec(select(LoginThrottle).where(LoginThrottle.key == f"user:{user.username}")).one()
    assert row.failures == 3
    # After the lock the next failure doubles it (30 s → 60 s).
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(seconds=31))
    assert _login(client, user.username, "wrong-password-2").status_code == 401
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(seconds=31 + 45))
    assert _login(client, user.username, PASSWORD).status_code == 429
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(seconds=31 + 61))
    assert _login(client, user.username, PASSWORD).status_code == 302
    db.expire_all()
    assert (
        db.exec(select(LoginThrottle).where(LoginThrottle.key == f"user:{user.username}")).first()
        is None
    )
    assert any("已锁定" in e.detail for e in _entries(db, "login_failed"))


def test_many_failures_from_one_address_lock_that_address(app, client, auth, db):
    app.config.update(LOGIN_LOCK_AFTER_ADDRESS=4, LOGIN_LOCK_AFTER=100)
    user = auth.make_user("viewer")
    for n in range(4):
        _login(client, f"guess{n}", "wrong-password")
    assert _login(client, user.username, PASSWORD).status_code == 429
    other = AuthActions(type(client)(client.application.test_client()), db)
    # Another address is not affected.
    r = other.client.post_form(
        "/login",
        {"username": user.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert r.status_code == 302


def test_session_expires_after_idle_time_with_a_chinese_notice(app, client, auth, monkeypatch):
    app.config["SESSION_IDLE_MINUTES"] = 30
    auth.login("viewer")
    start = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: start + timedelta(minutes=20))
    assert client.get("/projects").status_code == 200  # activity refreshes the idle clock
    monkeypatch.setattr(clock, "now_utc", lambda: start + timedelta(minutes=45))
    assert client.get("/projects").status_code == 200
    monkeypatch.setattr(clock, "now_utc", lambda: start + timedelta(minutes=80))
    response = client.get("/projects")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "长时间未操作，已自动退出" in page
    assert client.get("/projects").status_code == 302


def test_session_ends_after_the_absolute_limit_even_when_active(app, client, auth, monkeypatch):
    app.config.update(SESSION_IDLE_MINUTES=120, SESSION_MAX_HOURS=1)
    auth.login("viewer")
    start = clock.now_utc()
    for minutes in (20, 40, 59):
        monkeypatch.setattr(clock, "now_utc", lambda m=minutes: start + timedelta(minutes=m))
        assert client.get("/projects").status_code == 200
    monkeypatch.setattr(clock, "now_utc", lambda: start + timedelta(minutes=61))
    assert client.get("/projects").status_code == 302


def test_session_cookie_flags(app, client, auth):
    user = auth.make_user("viewer")
    response = _login(client, user.username, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    auth.logout()
    https = client.post_form(
        "/login",
        {"username": user.username, "password": PASSWORD},
        base_url="https://localhost",
        page_url="/login",
        headers={"Referer": "https://localhost/login"},
    )
    assert https.status_code == 302
    assert "Secure" in https.headers["Set-Cookie"]
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in client.get("/login").headers.get("Set-Cookie", "Secure")


def test_password_change_needs_current_password_and_ends_other_sessions(app, client, auth, db):
    user = auth.login("pm")
    other = AuthActions(type(client)(app.test_client()), db)
    assert _login(other.client, user.username, PASSWORD).status_code == 302
    bad = client.post_form(
        "/account/password",
        {"current": "wrong", "new": "a-new-password-123", "confirm": "a-new-password-123"},
        page_url="/account",
    )
    assert bad.status_code == 422 and "当前密码不正确" in bad.get_data(as_text=True)
    short = client.post_form(
        "/account/password",
        {"current": PASSWORD, "new": "short", "confirm": "short"},
        page_url="/account",
    )
    assert short.status_code == 422 and "密码至少" in short.get_data(as_text=True)
    ok = client.post_form(
        "/account/password",
        {"current": PASSWORD, "new": "a-new-password-123", "confirm": "a-new-password-123"},
        page_url="/account",
    )
    assert ok.status_code == 302
    assert client.get("/projects").status_code == 200  # this session continues
    assert other.client.get("/projects").status_code == 302  # the other one ended
    auth.logout()
    assert _login(client, user.username, PASSWORD).status_code == 401
    assert _login(client, user.username, "a-new-password-123").status_code == 302
    assert any(e.detail == "本人修改密码" for e in _entries(db, "user"))


def test_logout_needs_post_with_csrf_and_is_audited(client, auth, db):
    auth.login("viewer")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/projects").status_code == 200
    auth.logout()
    assert client.get("/projects").status_code == 302
    assert len(_entries(db, "logout")) == 1


@pytest.mark.parametrize("field", ["username", "password"])
def test_login_form_requires_both_fields(client, field):
    data = {"username": "someone", "password": "something-long"}
    data[field] = ""
    response = client.post_form("/login", data)
    assert response.status_code == 422
    assert re.search("请填写(用户名|密码)", response.get_data(as_text=True))
