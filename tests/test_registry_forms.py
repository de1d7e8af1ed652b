"""The create and edit forms, posted as a browser does with CSRF on: field-level Chinese errors,
nothing half-saved, stale edits refused with what changed, archive keeping the data."""

import re

import pytest
from sqlmodel import func, select

from tests.test_dataio_bad_input import checksum
from tracker.audit.models import AuditEntry
from tracker.projects.models import Project


def form_data(p: Project | None = None, **changes) -> dict:
    """The fields the form posts for project `p` (or a new 小学), with some values changed."""
    values = {
        "code": "N-001",
        "name": "城东新区小学（暂名）",
        "stage": "小学",
        "nature": "新建",
        "ownership": "公办",
        "status": "前期",
        "period_text": "2024-2026",
        "province": "浙江省",
        "city": "绍兴市",
        "district": "越城区",
        "subdistrict": "灵芝街道",
        "site_text": "群贤路以南",
        "content_text": "36班，用地面积30000平米",
        "classes_total": "36",
        "classes_added": "36",
        "sections_text": "",
        "declared_seats": "",
        "land_area_m2": "30000",
        "floor_area_m2": "",
        "amount_unit": "亿元",
        "total_investment": "2.5",
        "window_investment": "1.25",
        "builder": "镜湖开发办",
        "is_government": "y",
        "lat": "30.03",
        "lon": "120.57",
        "location_precision": "road",
        "location_source": "道路围合估计",
        "remarks": "",
    }
    if p is not None:
        values |= {
            key: "" if getattr(p, key) is None else str(getattr(p, key))
            for key in values
            if hasattr(p, key) and key not in ("is_government",)
        }
        values |= {
            "total_investment": p.total_investment_text,
            "window_investment": p.window_investment_text,
            "version": str(p.version),
        }
        for flag in ("is_government", "land_is_additional", "area_is_approximate"):
            if getattr(p, flag):
                values[flag] = "y"
            else:
                values.pop(flag, None)
    return values | changes


def _count(db) -> int:
    return db.exec(select(func.count(Project.id))).one()


def _error_after(html: str, label: str) -> str:
    """The red message under the field labelled `label`."""
    block = html.split(f">{label}</label>", 1)[1].split('<div class="field', 1)[0]
    match = re.search(r'<p class="error">([^<]+)</p>', block)
    return match.group(1) if match else ""


def test_create_a_project(seeded, auth, client, db):
    auth.login("admin")
    response = client.post_form("/projects/new", form_data())
    assert response.status_code == 302 and response.location.endswith("/projects/N-001")
    p = db.exec(select(Project).where(Project.code == "N-001")).one()
    assert (p.total_investment_fen, p.window_investment_fen) == (2_5 * 10**9, 1_25 * 10**8)
    assert (p.start_year, p.end_year, p.classes_total) == (2024, 2026, 36)
    assert p.total_investment_text == "2.5"
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.entity == "project", AuditEntry.entity_id == "N-001")
    ).one()
    assert (entry.action, entry.username) == ("create", "admin-user")
    data = client.get("/api/summary").get_json()
    assert (data["count"], data["total_investment_yi"]) == (36, "80.30")


def test_create_in_wan(seeded, auth, client, db):
    auth.login("admin")
    data = form_data(amount_unit="万元", total_investment="12345.67", window_investment="")
    assert client.post_form("/projects/new", data).status_code == 302
    p = db.exec(select(Project).where(Project.code == "N-001")).one()
    assert p.total_investment_fen == 12_345_670_000 and p.window_investment_fen is None
    assert p.total_investment_text == "1.234567"  # stored as 亿元 text, like the source table


@pytest.mark.parametrize(
    ("changes", "label", "message"),
    [
        ({"period_text": "2025-2023"}, "项目期限", "起始年晚于结束年"),
        ({"period_text": "明年"}, "项目期限", "应写作“起始年-结束年”"),
        ({"total_investment": "约2亿"}, "总投资", "「约2亿」不是数字"),
        ({"window_investment": "-1"}, "2021–2025 年投资额", "金额不能为负数"),
        ({"classes_added": "40"}, "新增班数", "新增班数不能大于总班数"),
        ({"name": ""}, "项目名称", "请填写项目名称"),
        ({"lat": "95"}, "纬度（WGS-84）", "纬度应在 -90 到 90 之间"),
        ({"code": "YC2022-01"}, "项目编号", "项目编号 YC2022-01 已被使用"),
    ],
)
def test_create_form_errors_are_per_field_in_chinese(
    seeded, app, auth, client, changes, label, message
):
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    response = client.post_form("/projects/new", form_data(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in _error_after(html, label), _error_after(html, label)
    assert checksum(app.extensions["engine"]) == before


def test_non_numeric_class_count_is_refused(seeded, app, auth, client):
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    response = client.post_form("/projects/new", form_data(classes_total="三十"))
    assert response.status_code == 422
    assert _error_after(response.get_data(as_text=True), "总班数")
    assert checksum(app.extensions["engine"]) == before


def test_post_without_csrf_token_is_refused_and_writes_nothing(seeded, app, auth, client):
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    response = client.post("/projects/new", data=form_data())
    assert response.status_code == 400
    assert "安全令牌（CSRF）" in response.get_data(as_text=True)
    response = client.post(
        "/projects/YC2022-01/edit", data=form_data(name="改名", version="1", code="YC2022-01")
    )
    assert response.status_code == 400
    response = client.post("/projects/YC2022-01/archive", data={})
    assert response.status_code == 400
    assert checksum(app.extensions["engine"]) == before


def test_edit_saves_changes_and_records_them(seeded, auth, client, db):
    auth.login("admin")
    p = db.exec(select(Project).where(Project.code == "YC2022-14")).one()
    response = client.post_form(
        "/projects/YC2022-14/edit",
        form_data(p, total_investment="4.53", remarks="核实后更正"),
    )
    assert response.status_code == 302
    db.expire_all()
    p = db.exec(select(Project).where(Project.code == "YC2022-14")).one()
    assert (p.total_investment_fen, p.version, p.remarks) == (4_53 * 10**8, 2, "核实后更正")
    saves = db.exec(
        select(AuditEntry).where(AuditEntry.entity_id == "YC2022-14", AuditEntry.action == "update")
    ).all()
    assert len(saves) == 1 and saves[0].version == 2  # one entry per save, with its fields
    fields = {c["field"] for c in saves[0].changes}
    assert {"total_investment_fen", "total_investment_text", "remarks"} <= fields
    page = client.get("/projects/YC2022-14").get_data(as_text=True)
    assert "修改了 备注：（空） → 核实后更正" in page
    assert "total_investment_fen" not in page and "修改了 总投资：" in page


def test_unchanged_edit_changes_nothing(seeded, app, auth, client, db):
    auth.login("admin")
    p = db.exec(select(Project).where(Project.code == "YC2022-02")).one()
    before = checksum(app.extensions["engine"])
    response = client.post_form("/projects/YC2022-02/edit", form_data(p))
    assert response.status_code == 302
    assert checksum(app.extensions["engine"]) == before  # 「1.42 」 kept, version unchanged


def test_edit_errors_save_nothing(seeded, app, auth, client, db):
    auth.login("admin")
    p = db.exec(select(Project).where(Project.code == "YC2022-21")).one()
    before = checksum(app.extensions["engine"])
    response = client.post_form(
        "/projects/YC2022-21/edit",
        form_data(p, name="新名字", classes_added="60", period_text="2025-2023"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "新增班数不能大于总班数" in _error_after(html, "新增班数")
    assert "起始年晚于结束年" in _error_after(html, "项目期限")
    assert checksum(app.extensions["engine"]) == before


def test_second_edit_from_the_same_form_version_is_refused_with_what_changed(
    seeded, app, auth, client, db
):
    auth.login("admin")
    p = db.exec(select(Project).where(Project.code == "YC2022-23")).one()
    loaded = form_data(p)  # both edits start from version 1 of the form
    first = client.post_form("/projects/YC2022-23/edit", loaded | {"total_investment": "2"})
    assert first.status_code == 302
    before = checksum(app.extensions["engine"])
    second = client.post_form("/projects/YC2022-23/edit", loaded | {"remarks": "我的修改"})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "保存被拒绝" in html
    assert "修改了 总投资：3.00 亿元 → 2.00 亿元" in html
    assert "我的修改" in html  # what was typed is shown back
    assert "admin-user" in html
    assert checksum(app.extensions["engine"]) == before
    db.expire_all()
    p = db.exec(select(Project).where(Project.code == "YC2022-23")).one()
    assert (p.total_investment_fen, p.remarks, p.version) == (2 * 10**10, "", 2)


def test_edit_without_version_is_refused(seeded, app, auth, client, db):
    auth.login("admin")
    p = db.exec(select(Project).where(Project.code == "YC2022-23")).one()
    data = form_data(p, remarks="x")
    data.pop("version")
    assert client.post_form("/projects/YC2022-23/edit", data).status_code == 409


def test_project_code_cannot_be_changed_by_the_form(seeded, auth, client, db):
    auth.login("admin")
    p = db.exec(select(Project).where(Project.code == "YC2022-03")).one()
    response = client.post_form("/projects/YC2022-03/edit", form_data(p, code="HACK-1"))
    assert response.status_code == 302
    assert db.exec(select(Project).where(Project.code == "HACK-1")).first() is None


def test_archive_keeps_the_data_and_history(seeded, app, auth, client, db):
    auth.login("admin")
    response = client.post_form("/projects/YC2022-30/archive", {}, page_url="/projects/YC2022-30")
    assert response.status_code == 302
    db.expire_all()
    p = db.exec(select(Project).where(Project.code == "YC2022-30")).one()
    assert p.archived and p.total_investment_fen == 2_6 * 10**9 and p.content_text
    assert _count(db) == 35
    assert "YC2022-30" not in client.get("/projects").get_data(as_text=True)
    assert "YC2022-30" in client.get("/projects?archived=1").get_data(as_text=True)
    page = client.get("/projects/YC2022-30").get_data(as_text=True)
    assert "已归档" in page and "恢复" in page
    assert client.get("/api/summary").get_json()["count"] == 34
    response = client.post_form(
        "/projects/YC2022-30/archive", {"restore": "1"}, page_url="/projects/YC2022-30"
    )
    db.expire_all()
    assert not db.exec(select(Project).where(Project.code == "YC2022-30")).one().archived
    actions = db.exec(
        select(AuditEntry.action).where(AuditEntry.entity_id == "YC2022-30").order_by(AuditEntry.id)
    ).all()
    assert actions[-2:] == ["archive", "restore"]


def test_roles_that_may_not_write_are_refused(seeded, auth, client, db):
    auth.login("viewer")
    assert client.get("/projects/new").status_code == 403
    assert client.get("/projects/YC2022-01/edit").status_code == 403
    token = client.csrf_token("/projects")
    assert client.post("/projects/YC2022-01/archive", data={"csrf_token": token}).status_code == 403
