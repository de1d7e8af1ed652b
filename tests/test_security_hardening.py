"""Hardening: secret key, debug mode, security headers, CSRF, upload limits, error pages with a
request id, and refusal of stale project edits."""

import io
import re

import pytest
from conftest import AuthActions, make_project
from sqlmodel import select

from tracker import create_app
from tracker.audit.models import AuditEntry
from tracker.config import ConfigError, load_settings, settings
from tracker.projects.models import Project

GOOD_KEY = "9f1c2e7a4b6d8e0f1a3c5e7092b4d6f8a0c2e4f6"


def _refusals(db):
    db.expire_all()
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == "refused")))


@pytest.mark.parametrize(
    "key",
    [
        "",
        "changeme",
        "CHANGEME",
        "secret",
        "dev",
        "your-secret-key-please-change-it-0000",
        "short-but-random-91bc",
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, monkeypatch, key):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_production_accepts_a_random_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert load_settings(str(tmp_path)).secret_key == GOOD_KEY


def test_development_generates_a_private_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.setenv("TRACKER_ENV", "development")
    first = load_settings(str(tmp_path)).secret_key
    assert len(first) == 64 and load_settings(str(tmp_path)).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_debug_mode(monkeypatch, database_url):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="debug"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": GOOD_KEY})


def test_security_headers_on_every_response(client, auth):
    for response in (client.get("/login"), client.get("/projects"), client.get("/api/projects")):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp and "form-action 'self'" in csp
        assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'", csp)
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "http:" not in csp and "https:" not in csp  # no other host by default
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert re.fullmatch(r"\w{8,40}", headers["X-Request-ID"])
    auth.login("viewer")
    assert client.get("/projects").headers["Cache-Control"] == "no-store"
    # A fresh nonce per response.
    nonces = {
        re.search(r"nonce-([\w-]+)", client.get("/").headers["Content-Security-Policy"]).group(1)
        for _ in range(3)
    }
    assert len(nonces) == 3


def test_request_id_from_a_proxy_is_kept_only_when_sane(client):
    assert (
        client.get("/login", headers={"X-Request-ID": "abc123XYZ"}).headers["X-Request-ID"]
        == "abc123XYZ"
    )
    for odd in ("请求编号", "a b", "x" * 41, "id;Set-Cookie"):
        response = client.get(
            "/login", headers={"X-Request-ID": odd.encode("utf-8").decode("latin-1")}
        )
        assert response.status_code == 200
        assert re.fullmatch(r"[0-9a-f]{12}", response.headers["X-Request-ID"])


def test_configured_tile_host_is_allowed_for_images_only(app, client):
    app.config["MAP_TILE_HOSTS"] = ["https://t{s}.tianditu.gov.cn"]
    csp = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "https://t*.tianditu.gov.cn" in directives["img-src"]
    assert "tianditu" not in directives["script-src"]


def test_a_view_can_relax_the_csp_for_its_own_response(app, client, auth):
    from tracker.web import allow_inline_scripts, csp_allow

    @app.route("/test-map-frame")
    def map_frame():
        allow_inline_scripts()
        csp_allow("frame-ancestors", "'self'")
        return "<script>1</script>"

    auth.login("viewer")
    headers = client.get("/test-map-frame").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp and "nonce-" not in csp
    assert "frame-ancestors 'self'" in csp and headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'none'" in client.get("/projects").headers["Content-Security-Policy"]


def test_missing_or_forged_csrf_token_is_refused_and_recorded(client, auth, db):
    project = make_project(db)
    auth.login("admin")
    for data in ({}, {"csrf_token": "forged.token.value"}):
        response = client.post(f"/projects/{project.code}/archive", data=data)
        assert response.status_code == 400
        assert "安全令牌（CSRF）" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Project, project.id).archived is False
    refusals = _refusals(db)
    assert len(refusals) == 2
    assert all(
        r.detail == f"表单已过期或缺少安全令牌，未被接受（项目 {project.code}）" for r in refusals
    )
    assert refusals[0].username == "admin-user"
    # A token from another session is no good either.
    other = AuthActions(type(client)(client.application.test_client()), db)
    other.login("admin", "admin-two")
    token = other.client.csrf_token("/")
    assert (
        client.post(f"/projects/{project.code}/archive", data={"csrf_token": token}).status_code
        == 400
    )


def test_oversized_upload_gets_a_chinese_413_and_nothing_changes(app, client, auth, db):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    auth.login("admin")
    token = client.csrf_token("/projects/import")
    big = io.BytesIO(b"a,b\n" * 40_000)
    response = client.post(
        "/projects/import",
        data={"csrf_token": token, "file": (big, "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "上传的文件太大：上限为 64 KB" in response.get_data(as_text=True)
    assert db.exec(select(Project)).all() == []
    assert any(r.detail == "上传的文件太大，未被接受（项目导入导出）" for r in _refusals(db))
    assert client.get("/projects").status_code == 200  # still serving


def test_malformed_upload_is_refused_recorded_and_changes_nothing(client, auth, db):
    auth.login("admin")
    token = client.csrf_token("/projects/import")
    response = client.post(
        "/projects/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(b"PK\x03\x04 not really a workbook"), "x.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert db.exec(select(Project)).all() == []
    assert any(r.detail == "提交的内容有误，未保存（项目导入导出）" for r in _refusals(db))
    assert client.get("/projects").status_code == 200


def test_unhandled_error_shows_a_plain_chinese_page_with_the_request_id(app, client, auth, caplog):
    @app.route("/test-boom")
    def boom():
        raise RuntimeError("database on fire")

    @app.route("/api/test-boom")
    def api_boom():
        raise RuntimeError("database on fire")

    auth.login("viewer")
    response = client.get("/test-boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    request_id = response.headers["X-Request-ID"]
    assert "服务器出错了" in page and request_id in page
    assert "database on fire" not in page and "Traceback" not in page
    assert any(request_id in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    api = client.get("/api/test-boom")
    assert api.status_code == 500 and api.get_json()["request_id"] == api.headers["X-Request-ID"]
    assert client.get("/projects").status_code == 200


def test_stale_project_edit_is_refused_with_409_and_what_changed(app, client, auth, db):
    project = make_project(db, name="测试小学")
    auth.login("admin")
    html = client.get(f"/projects/{project.code}/edit").get_data(as_text=True)
    assert 'name="version"' in html
    other = AuthActions(type(client)(app.test_client()), db)
    other.login("pm", "pm-first", projects=[project])
    fields = _form_fields(other.client.get(f"/projects/{project.code}/edit").get_data(as_text=True))
    first = other.client.post_form(
        f"/projects/{project.code}/edit", fields | {"name": "第一人改的名字"}
    )
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    stale_fields = _form_fields(html)
    second = client.post_form(
        f"/projects/{project.code}/edit", stale_fields | {"name": "第二人改的名字"}
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "保存被拒绝" in page and "pm-first" in page and "第一人改的名字" in page
    db.expire_all()
    assert db.get(Project, project.id).name == "第一人改的名字"


def _form_fields(html: str) -> dict:
    """The values a browser would submit from the edit form (inputs, selects, textareas)."""
    fields = {}
    for m in re.finditer(r"<input([^>]*)>", html):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "name" not in attrs or attrs["name"] == "csrf_token":
            continue
        if attrs.get("type") == "checkbox":
            if "checked" in m.group(1):
                fields[attrs["name"]] = attrs.get("value", "y")
            continue
        fields[attrs["name"]] = _unescape(attrs.get("value", ""))
    for m in re.finditer(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(
            r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected',
            m.group(2),
        )
        if selected:
            fields[m.group(1)] = _unescape(selected.group(1) or selected.group(2))
    for m in re.finditer(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[m.group(1)] = _unescape(m.group(2).lstrip("\r\n"))
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_behind_a_trusted_proxy_the_client_address_and_https_are_used(database_url, engine, db):
    from conftest import PASSWORD, FormClient

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": GOOD_KEY, "PROXY_COUNT": 1, "TESTING": True}
    )
    AuthActions(None, db).make_user("viewer", "proxied")
    client = FormClient(app.test_client())
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        client.get("/login", headers=forwarded).get_data(as_text=True),
    ).group(1)
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": "proxied", "password": PASSWORD},
        headers=forwarded | {"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    db.expire_all()
    login = db.exec(select(AuditEntry).where(AuditEntry.action == "login")).one()
    assert login.address == "203.0.113.7"
    app.extensions["engine"].dispose()


def test_settings_are_one_typed_object_with_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_PAGE_SIZE", "25")
    monkeypatch.setenv("TRACKER_CLASS_SIZES", '{"小学": 40}')
    monkeypatch.setenv("TRACKER_SMTP_STARTTLS", "yes")
    loaded = load_settings(str(tmp_path))
    assert (loaded.page_size, loaded.class_sizes, loaded.smtp_starttls) == (25, {"小学": 40}, True)
    assert loaded.plan_window == (2021, 2025)
    app = create_app({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "sqlite://", "TESTING": True})
    with app.app_context():
        assert settings().page_size == 25 and app.config["PAGE_SIZE"] == 25
        app.config["PAGE_SIZE"] = 7  # a later change to Flask's config is seen at once
        assert settings().page_size == 7
    app.extensions["engine"].dispose()
