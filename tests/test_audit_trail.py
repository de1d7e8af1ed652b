"""The audit trail (操作日志): every kind of change recorded with who, when, where and what;
append-only; the global page filters and exports it."""

import csv
import io
from datetime import UTC, datetime

import pytest
from conftest import PASSWORD, make_project, project_form
from openpyxl import load_workbook
from sqlmodel import select

from tracker.audit.models import AuditEntry
from tracker.projects.models import Project

IMPORT_CSV = (
    "序号,项目名称,项目期限,建设地点,建设内容,总投资（亿元）,2021-2025年投资额（亿元）,建设单位,"
    "是否为政府投资项目或国有平台公司投资项目,备注\n"
    "1,审计测试小学,2023-2025,灵芝街道,新建24班,1.2,1.2,镜湖开发办,是,\n"
).encode()


def _entries(db, **where):
    db.expire_all()
    query = select(AuditEntry)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.exec(query.order_by(AuditEntry.id)))


def _form(project, **changes):
    return project_form(project, **{**changes})


def test_each_kind_of_change_is_recorded_with_who_when_where_what(client, auth, db):
    project = make_project(db, name="审计小学", status="列入规划")
    admin = auth.login("admin")
    started = datetime.now(UTC)

    assert (
        client.post_form(
            "/projects/new", _form(project, code="AUD-1", name="新建的学校"), page_url="/"
        ).status_code
        == 302
    )
    created = _entries(db, action="create", entity="project", entity_id="AUD-1")
    assert len(created) == 1 and created[0].detail == "新建的学校"

    assert (
        client.post_form(
            f"/projects/{project.code}/edit",
            _form(project, name="改过的名字", status="在建"),
            page_url="/",
        ).status_code
        == 302
    )
    (save,) = _entries(db, action="update", project_id=project.id)  # one entry per save
    updates = {c["field"]: (c["old"], c["new"]) for c in save.changes}
    assert updates["name"] == ("审计小学", "改过的名字")
    assert updates["status"] == ("列入规划", "在建")

    assert (
        client.post_form(f"/projects/{project.code}/archive", {}, page_url="/").status_code == 302
    )
    assert _entries(db, action="archive", project_id=project.id)

    upload = client.post(
        "/projects/import",
        data={"csrf_token": client.csrf_token("/"), "file": (io.BytesIO(IMPORT_CSV), "导入.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200
    assert _entries(db, action="import"), "an import upload is recorded"

    assert client.get("/projects/export.csv").status_code == 200
    assert _entries(db, action="export", entity="projects")

    viewer = auth.make_user("viewer", "audit.viewer")
    version = db.get(type(viewer), viewer.id).version
    assert (
        client.post_form(
            f"/users/{viewer.id}",
            {
                "display_name": "v",
                "role": "pm",
                "is_active": "y",
                "projects": [project.id],
                "version": version,
            },
            page_url="/",
        ).status_code
        == 302
    )
    (save,) = _entries(db, action="permission", entity_id="audit.viewer")
    fields = {c["field"]: c for c in save.changes}
    assert fields["role"]["new"] == "pm" and fields["assigned"]["kind"] == "added"

    auth.logout()
    client.post_form("/login", {"username": "audit.viewer", "password": "wrong-wrong-wrong"})
    client.post_form("/login", {"username": "audit.viewer", "password": PASSWORD})
    assert _entries(db, action="login_failed", entity_id="audit.viewer")
    assert _entries(db, action="login", username="audit.viewer")

    mine = [e for e in _entries(db) if e.user_id == admin.id]
    assert {"create", "update", "archive", "import", "export", "permission", "login", "logout"} <= {
        e.action for e in mine
    }
    for entry in mine:
        assert entry.username == admin.username and entry.address == "127.0.0.1"
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
        assert (at - started).total_seconds() > -5


def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(app, db):
    from tracker.audit.services import SYSTEM, record

    entry = record(db, actor=SYSTEM, action="create", entity="project", entity_id="X")
    db.commit()
    entry.detail = "rewritten history"
    db.add(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
    db.rollback()
    with pytest.raises(RuntimeError, match="append-only"):
        db.delete(db.get(AuditEntry, entry.id))
        db.flush()
    db.rollback()
    assert db.get(AuditEntry, entry.id).detail == ""


def _seed_entries(db):
    from tracker.audit.services import Actor, record

    project = make_project(db, code="F-1")
    rows = [
        (
            datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
            "alice",
            "update",
            project.id,
            "name",
            '=HYPERLINK("x")',
        ),
        (
            datetime(2026, 3, 5, 15, 59, tzinfo=UTC),
            "bob",
            "create",
            None,
            "",
            "",
        ),  # 3-5 23:59 Shanghai
        (
            datetime(2026, 3, 5, 16, 1, tzinfo=UTC),
            "alice",
            "export",
            None,
            "",
            "",
        ),  # 3-6 00:01 Shanghai
    ]
    for at, who, action, project_id, field, new in rows:
        entry = record(
            db,
            actor=Actor(1, who, "10.0.0.1"),
            action=action,
            entity="project",
            entity_id="F-1",
            project_id=project_id,
        )
        entry.at, entry.field, entry.new_value = at, field, new
    db.commit()
    return project


def test_global_audit_page_filters_by_user_action_project_and_dates(client, auth, db):
    _seed_entries(db)
    auth.login("admin", "boss")

    def rows(query):
        html = client.get(f"/audit?{query}").get_data(as_text=True)
        return html.count("<tr>") - 1  # minus the header row

    assert rows("user=alice") == 2
    assert rows("user=alice&action=export") == 1
    assert rows("project=F-1") == 1
    page = client.get("/audit?project=F-1").get_data(as_text=True)
    assert "修改" in page and "项目名称" in page  # Chinese action and field labels
    assert rows("from=2026-03-05&to=2026-03-05") == 1  # days in Asia/Shanghai
    since = datetime(2026, 3, 5, 16, 0, tzinfo=UTC)  # 2026-03-06 00:00 in Shanghai
    later = [
        e for e in _entries(db) if (e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)) >= since
    ]
    assert rows("from=2026-03-06") == len(later) >= 2
    bad = client.get("/audit?from=yesterday&project=NOPE").get_data(as_text=True)
    assert "格式不对" in bad and "没有编号为「NOPE」的项目" in bad
    assert "没有符合条件的记录" in bad


def test_audit_export_csv_and_xlsx_are_formula_safe(client, auth, db):
    _seed_entries(db)
    auth.login("admin", "boss")
    response = client.get("/audit/export.csv?user=alice")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:4] == ["时间", "操作人", "来源地址", "操作"]
    assert len(table) == 3
    cells = [c for row in table for c in row]
    assert '\'=HYPERLINK("x")' in cells and '=HYPERLINK("x")' not in cells
    assert "2026-03-01 10:00:00" in cells  # shown in Asia/Shanghai
    xlsx = client.get("/audit/export.xlsx?user=alice")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("x")' in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    assert _entries(db, action="export", entity="audit")


def test_project_page_shows_its_history(client, auth, db):
    project = make_project(db, name="历史小学")
    auth.login("admin")
    client.post_form(
        f"/projects/{project.code}/edit", _form(project, name="新历史小学"), page_url="/"
    )
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "变更记录" in page and "历史小学" in page and "新历史小学" in page
    db.expire_all()
    assert db.get(Project, project.id).version == 2
