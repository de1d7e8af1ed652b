"""The administrators' users page: create, edit role and projects, disable, reset password;
every change audited, stale saves refused."""

import re

from conftest import PASSWORD, AuthActions, make_project
from sqlmodel import select

from tracker.accounts.models import ProjectAssignment, User
from tracker.audit.models import AuditEntry


def _audit(db, **where):
    db.expire_all()
    query = select(AuditEntry)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.exec(query.order_by(AuditEntry.id)))


def _edit_form(client, user_id):
    html = client.get(f"/users/{user_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    return html, version


def test_admin_creates_a_user_with_a_random_password_shown_once(client, auth, db):
    auth.login("admin")
    response = client.post_form(
        "/users/new", {"username": "zhang.san", "display_name": "张三", "role": "finance"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = re.search(r'<code id="new-password">([^<]+)</code>', html).group(1)
    user = db.exec(select(User).where(User.username == "zhang.san")).one()
    assert user.role == "finance" and user.display_name == "张三"
    assert password not in user.password_hash and user.password_hash.startswith("scrypt:")
    (entry,) = _audit(db, action="user", entity_id="zhang.san")
    assert entry.detail == "新建用户，角色：财务"
    other = AuthActions(type(client)(client.application.test_client()), db)
    ok = other.client.post_form("/login", {"username": "zhang.san", "password": password})
    assert ok.status_code == 302
    assert password not in client.get("/users").get_data(as_text=True)


def test_duplicate_or_bad_user_is_refused_and_nothing_is_written(client, auth, db):
    auth.login("admin")
    before = len(_audit(db))
    dup = client.post_form("/users/new", {"username": "admin-user", "role": "viewer"})
    assert dup.status_code == 422 and "已存在" in dup.get_data(as_text=True)
    bad = client.post_form("/users/new", {"username": "a b<script>", "role": "viewer"})
    assert bad.status_code == 422
    role = client.post_form("/users/new", {"username": "x", "role": "superuser"})
    assert role.status_code == 422
    assert len(db.exec(select(User)).all()) == 1
    assert [e.action for e in _audit(db)[before:]] == ["refused"] * 3


def test_admin_assigns_role_and_projects_and_it_is_audited(client, auth, db):
    p1, p2 = make_project(db), make_project(db)
    auth.login("admin")
    pm = auth.make_user("viewer", "li.si")
    _html, version = _edit_form(client, pm.id)
    response = client.post_form(
        f"/users/{pm.id}",
        {
            "display_name": "李四",
            "role": "pm",
            "is_active": "y",
            "projects": [p1.id, p2.id],
            "version": version,
        },
        page_url=f"/users/{pm.id}",
    )
    assert response.status_code == 302
    db.expire_all()
    pm = db.get(User, pm.id)
    assert pm.role == "pm" and pm.version == 2
    assigned = {
        a.project_id
        for a in db.exec(select(ProjectAssignment).where(ProjectAssignment.user_id == pm.id))
    }
    assert assigned == {p1.id, p2.id}
    (save,) = _audit(db, action="permission", entity_id="li.si")  # one entry for the save
    changes = {(c["field"], c.get("item", "")): c for c in save.changes}
    assert (changes[("role", "")]["old"], changes[("role", "")]["new"]) == ("viewer", "pm")
    assert changes[("display_name", "")]["new"] == "李四"
    assigned_titles = {item for field, item in changes if field == "assigned"}
    assert assigned_titles == {f"{p.code} {p.name}" for p in (p1, p2)}
    page = client.get("/audit").get_data(as_text=True)
    assert "修改了 角色：只读 → 项目负责人" in page
    assert f"新增了 负责的项目 {p1.code} {p1.name}" in page
    # Unassign one project.
    _html, version = _edit_form(client, pm.id)
    client.post_form(
        f"/users/{pm.id}",
        {
            "display_name": "李四",
            "role": "pm",
            "is_active": "y",
            "projects": [p2.id],
            "version": version,
        },
        page_url=f"/users/{pm.id}",
    )
    removed = _audit(db, action="permission", entity_id="li.si")[-1]
    assert removed.changes == [
        {
            "field": "assigned",
            "old": None,
            "new": None,
            "item": f"{p1.code} {p1.name}",
            "kind": "removed",
        }
    ]


def test_disable_not_delete_and_the_user_is_locked_out(client, auth, db):
    auth.login("admin")
    victim = auth.make_user("pm", "wang.wu")
    other = AuthActions(type(client)(client.application.test_client()), db)
    other.client.post_form("/login", {"username": "wang.wu", "password": PASSWORD})
    assert other.client.get("/projects").status_code == 200
    _html, version = _edit_form(client, victim.id)
    response = client.post_form(
        f"/users/{victim.id}",
        {"display_name": "wang.wu", "role": "pm", "version": version},  # is_active unticked
        page_url=f"/users/{victim.id}",
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, victim.id).is_active is False  # still there, only disabled
    assert other.client.get("/projects").status_code == 302
    (entry,) = _audit(db, action="permission", entity_id="wang.wu")
    assert entry.changes == [{"field": "is_active", "old": True, "new": False}]
    assert "修改了 状态：启用 → 停用" in client.get("/audit").get_data(as_text=True)
    assert "停用" in client.get("/users").get_data(as_text=True)


def test_admin_cannot_lock_themselves_out(client, auth, db):
    admin = auth.login("admin")
    _html, version = _edit_form(client, admin.id)
    response = client.post_form(
        f"/users/{admin.id}",
        {"display_name": "x", "role": "viewer", "is_active": "y", "version": version},
        page_url=f"/users/{admin.id}",
    )
    assert response.status_code == 422
    assert "不能停用自己" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, admin.id).role == "admin"


def test_stale_user_edit_is_refused_with_what_changed(client, auth, db, app):
    auth.login("admin")
    target = auth.make_user("viewer", "zhao.liu")
    _html, stale_version = _edit_form(client, target.id)
    # A second administrator saves first.
    other = AuthActions(type(client)(app.test_client()), db)
    other.login("admin", "admin2")
    _html, version = _edit_form(other.client, target.id)
    first = other.client.post_form(
        f"/users/{target.id}",
        {"display_name": "赵六", "role": "finance", "is_active": "y", "version": version},
        page_url=f"/users/{target.id}",
    )
    assert first.status_code == 302
    second = client.post_form(
        f"/users/{target.id}",
        {"display_name": "zhao", "role": "leader", "is_active": "y", "version": stale_version},
        page_url=f"/users/{target.id}",
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "保存被拒绝：用户 zhao.liu 已被他人修改" in page
    assert "admin2 于 " in page and "修改了 角色：只读 → 财务" in page
    db.expire_all()
    assert db.get(User, target.id).role == "finance"  # the first save stands


def test_admin_resets_a_password_and_old_sessions_end(client, auth, db, app):
    auth.login("admin")
    target = auth.make_user("leader", "qian.qi")
    other = AuthActions(type(client)(app.test_client()), db)
    other.client.post_form("/login", {"username": "qian.qi", "password": PASSWORD})
    assert other.client.get("/projects").status_code == 200
    response = client.post_form(
        f"/users/{target.id}/reset-password", {}, page_url=f"/users/{target.id}"
    )
    assert response.status_code == 200
    new = re.search(
        r'<code id="new-password">([^<]+)</code>', response.get_data(as_text=True)
    ).group(1)
    assert other.client.get("/projects").status_code == 302
    assert (
        other.client.post_form("/login", {"username": "qian.qi", "password": PASSWORD}).status_code
        == 401
    )
    assert (
        other.client.post_form("/login", {"username": "qian.qi", "password": new}).status_code
        == 302
    )
    assert _audit(db, action="user", detail="管理员重置密码")[0].entity_id == "qian.qi"


def test_create_user_command(runner, db):
    result = runner.invoke(args=["create-user", "sun.ba", "--role", "pm"])
    assert result.exit_code == 0, result.output
    assert "已创建用户 sun.ba（项目负责人）" in result.output
    assert db.exec(select(User).where(User.username == "sun.ba")).one().role == "pm"
    again = runner.invoke(args=["create-user", "sun.ba", "--role", "pm"])
    assert again.exit_code != 0 and "已存在" in again.output
    bad = runner.invoke(args=["create-user", "x", "--role", "god"])
    assert bad.exit_code != 0


def test_user_edit_without_a_version_is_refused(client, auth, db):
    auth.login("admin")
    target = auth.make_user("viewer", "no.version")
    response = client.post_form(
        f"/users/{target.id}",
        {"display_name": "x", "role": "admin", "is_active": "y"},
        page_url=f"/users/{target.id}",
    )
    assert response.status_code == 409
    db.expire_all()
    assert db.get(User, target.id).role == "viewer"
