"""Personal API tokens: shown once, stored hashed, same roles as the owner, revocable."""

import re

from conftest import make_project
from sqlmodel import select

from tracker.accounts.models import ApiToken, User
from tracker.audit.models import AuditEntry


def _create(client, name="报表脚本"):
    response = client.post_form("/account/tokens", {"name": name}, page_url="/account")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    html = response.get_data(as_text=True)
    return re.search(r'<code id="new-token">([^<]+)</code>', html).group(1)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_is_shown_once_stored_hashed_and_works_on_the_api(app, client, auth, db):
    make_project(db)
    user = auth.login("leader")
    token = _create(client)
    row = db.exec(select(ApiToken)).one()
    assert row.user_id == user.id and token not in row.token_hash and len(row.token_hash) == 64
    assert token not in client.get("/account").get_data(as_text=True)  # never shown again
    api = app.test_client()  # no cookies at all
    response = api.get("/api/projects", headers=_bearer(token))
    assert response.status_code == 200 and response.get_json()["count"] == 1
    db.expire_all()
    assert db.exec(select(ApiToken)).one().last_used_at is not None
    token_entries = db.exec(select(AuditEntry).where(AuditEntry.action == "token")).all()
    assert [e.detail.startswith("创建 API 令牌「报表脚本」") for e in token_entries] == [True]


def test_revoked_or_unknown_token_gets_401_json_and_is_recorded(app, client, auth, db):
    auth.login("viewer")
    token = _create(client)
    row = db.exec(select(ApiToken)).one()
    assert (
        client.post_form(f"/account/tokens/{row.id}/revoke", {}, page_url="/account").status_code
        == 302
    )
    api = app.test_client()
    for bad in (token, "trk_forged-token", "not-even-our-format"):
        response = api.get("/api/projects", headers=_bearer(bad))
        assert response.status_code == 401
        assert response.get_json()["error"] == "API 令牌无效或已撤销"
    refused = db.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all()
    assert len(refused) == 3 and "已撤销" in refused[0].detail
    assert "已撤销" in client.get("/account").get_data(as_text=True)
    assert db.exec(
        select(AuditEntry).where(AuditEntry.action == "token", AuditEntry.detail.startswith("撤销"))
    ).one()


def test_token_of_a_disabled_user_stops_working(app, client, auth, db):
    user = auth.login("finance")
    token = _create(client)
    api = app.test_client()
    assert api.get("/api/summary", headers=_bearer(token)).status_code == 200
    user = db.get(User, user.id)
    user.is_active = False
    db.add(user)
    db.commit()
    assert api.get("/api/summary", headers=_bearer(token)).status_code == 401


def test_cannot_revoke_someone_elses_token(app, client, auth, db):
    auth.login("pm")
    _create(client)
    row = db.exec(select(ApiToken)).one()
    auth.logout()
    auth.login("viewer")
    response = client.post_form(f"/account/tokens/{row.id}/revoke", {}, page_url="/account")
    assert response.status_code == 404
    db.expire_all()
    assert db.exec(select(ApiToken)).one().revoked_at is None


def test_a_token_only_opens_the_api_not_the_pages(app, client, auth, db):
    auth.login("admin")
    token = _create(client)
    api = app.test_client()
    assert api.get("/projects", headers=_bearer(token)).status_code == 302  # pages want a login
    assert api.get("/users", headers=_bearer(token)).status_code == 302


def test_token_needs_a_name_and_csrf(client, auth, db):
    auth.login("viewer")
    assert client.post_form("/account/tokens", {"name": ""}, page_url="/account").status_code == 422
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 400
    assert db.exec(select(ApiToken)).all() == []


def test_bearer_writes_need_no_csrf_but_cookie_writes_do(app, client, auth, db):
    from tracker.accounts.web import require

    @app.route("/api/test-write", methods=["POST"])
    def api_write():
        require("project.edit")
        return {"ok": True}

    auth.login("admin")
    token = _create(client)
    api = app.test_client()
    assert api.post("/api/test-write", headers=_bearer(token)).get_json() == {"ok": True}
    assert client.post("/api/test-write").status_code == 400  # the browser session needs CSRF
    refused = api.post("/api/test-write", headers=_bearer("trk_revoked-or-made-up"))
    assert refused.status_code == 401
    assert len(db.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all()) == 2
    auth.logout()
    auth.login("viewer", "viewer-with-token")
    viewer_token = _create(client)
    denied = api.post("/api/test-write", headers=_bearer(viewer_token))
    assert denied.status_code == 403 and denied.get_json()["error"] == "没有权限进行此操作"
