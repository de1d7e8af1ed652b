"""Milestones through the web: laid out at import, the PM's form (CSRF on), bad input, stale
forms, the project panel, the 需要更新 list, the Gantt page and the API."""

import re
from datetime import date

import pytest
from conftest import make_project
from sqlmodel import select

from tracker import clock
from tracker.audit.models import AuditEntry
from tracker.milestones import services
from tracker.milestones.models import Milestone, ProjectSchedule
from tracker.projects.models import Project

TODAY = date(2025, 3, 10)


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def project(app, db):
    p = make_project(db, code="T-0001", start_year=2023, end_year=2025, period_text="2023-2025")
    with app.app_context():
        services.lay_out(db, [p.id], TODAY)
    db.commit()
    return p


def _milestones(db, project):
    db.expire_all()
    return services.milestones_of(db, project.id)


def _form(client, code):
    """The current form as a browser would submit it (all fields, as rendered)."""
    html = client.get(f"/projects/{code}/milestones").get_data(as_text=True)
    data = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<input[^>]*?value="([^"]*)"[^>]*?name="([^"]+)"', html):
        data.setdefault(value, name)
    for name in re.findall(r'<input[^>]*?name="(rows-\d+-[a-z_]+)"', html):
        data.setdefault(name, "")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        data[name] = (chosen.group(1) or chosen.group(2)) if chosen else "未开始"
    for key in [k for k in data if k.endswith(("-delete", "-confirm"))]:
        del data[key]  # unchecked boxes are not submitted
    data.pop("csrf_token", None)
    return data


def _row_index(data, name):
    return next(k.split("-")[1] for k, v in data.items() if k.endswith("-name") and v == name)


def test_seed_projects_get_estimated_milestones_and_past_ones_are_not_done(app, db, seeded):
    projects = db.exec(select(Project)).all()
    assert len(projects) == 35
    rows = db.exec(select(Milestone)).all()
    assert len(rows) == 35 * 10
    assert all(m.is_estimate and m.actual_on is None and m.status == "未开始" for m in rows)
    assert len(db.exec(select(ProjectSchedule)).all()) == 35
    first = next(p for p in projects if p.end_year == 2021)
    handover = next(m for m in rows if m.project_id == first.id and m.name == "交付使用")
    assert handover.planned_on == date(2021, 8, 31)
    with app.app_context():
        from tracker.milestones.summary import delivered_on, health_for

        assert delivered_on(db, [first.id]) == {first.id: None}
        assert health_for(db, [first.id], date(2026, 1, 1))[first.id].label == "逾期"


def test_pm_updates_a_milestone_through_the_form(client, auth, db, project, fixed_today):
    auth.login("pm", projects=[project])
    data = _form(client, project.code)
    i = _row_index(data, "开工")
    data[f"rows-{i}-actual"] = "2024-01-15"
    j = _row_index(data, "施工许可")
    data[f"rows-{j}-actual"] = "2024-01-10"
    k = _row_index(data, "主体结顶")
    data[f"rows-{k}-forecast"] = "2025-01-20"
    data[f"rows-{k}-slip_reason"] = "雨季停工"
    data["opening_year"] = "2026"
    response = client.post_form(f"/projects/{project.code}/milestones", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    ms = {m.name: m for m in _milestones(db, project)}
    assert ms["开工"].actual_on == date(2024, 1, 15) and ms["开工"].status == "已完成"
    assert not ms["开工"].is_estimate
    assert (
        ms["主体结顶"].forecast_on == date(2025, 1, 20) and ms["主体结顶"].slip_reason == "雨季停工"
    )
    assert ms["立项批复"].is_estimate  # untouched rows stay estimates
    assert db.get(ProjectSchedule, project.id).opening_year == 2026
    saves = db.exec(
        select(AuditEntry).where(
            AuditEntry.project_id == project.id,
            AuditEntry.entity == "milestone",
            AuditEntry.action == "update",
        )
    ).all()
    assert len(saves) == 1 and saves[0].username == "pm-user"  # one entry for the save
    fields = {(c.get("item", ""), c["field"]): (c["old"], c["new"]) for c in saves[0].changes}
    assert fields[("开工", "actual_on")] == (None, "2024-01-15")
    assert fields[("开工", "is_estimate")] == (True, False)
    assert fields[("", "opening_year")] == (None, 2026)
    # The project page shows the change in words in its 变更记录, and the milestone panel.
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "修改了 开工 的实际完成日期：（空） → 2024-01-15" in page
    assert "修改了 开工 的计划状态：估算 → 已确认" in page
    assert "修改了 开学年份：按项目期限结束年 → 2026" in page
    assert "is_estimate" not in page and "进度与里程碑" in page


def test_add_rename_and_remove_rows(client, auth, db, project, fixed_today):
    auth.login("admin")
    data = _form(client, project.code)
    data[f"rows-{_row_index(data, '主体结顶')}-name"] = "主体封顶"
    data[f"rows-{_row_index(data, '开学招生')}-delete"] = "y"
    blank = max(int(k.split("-")[1]) for k in data if k.startswith("rows-"))
    data[f"rows-{blank}-name"] = "室外工程"
    data[f"rows-{blank}-position"] = "8"
    data[f"rows-{blank}-planned"] = "2025-07-13"
    response = client.post_form(f"/projects/{project.code}/milestones", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    names = [m.name for m in _milestones(db, project)]
    assert "主体封顶" in names and "主体结顶" not in names and "开学招生" not in names
    assert names.index("室外工程") < names.index("交付使用")


@pytest.mark.parametrize(
    ("field", "row", "value", "message"),
    [
        ("actual", "开工", "2025-03-11", "晚于今天"),
        ("forecast", "开工", "2022-06-01", "早于项目开始"),
        ("planned", "开工", "2023-01-02", "阶段顺序有误"),
        ("planned", "开工", "2024-02-30", "不是有效日期"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    client, auth, db, project, fixed_today, field, row, value, message
):
    auth.login("pm", projects=[project])
    before = [
        (m.name, m.planned_on, m.forecast_on, m.actual_on, m.version)
        for m in _milestones(db, project)
    ]
    data = _form(client, project.code)
    data[f"rows-{_row_index(data, '施工许可')}-actual"] = "2024-01-01"  # a valid change alongside
    data[f"rows-{_row_index(data, row)}-{field}"] = value
    data[f"rows-{_row_index(data, row)}-slip_reason"] = "原因"
    response = client.post_form(f"/projects/{project.code}/milestones", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    after = [
        (m.name, m.planned_on, m.forecast_on, m.actual_on, m.version)
        for m in _milestones(db, project)
    ]
    assert after == before


def test_stale_form_is_refused_with_what_changed(client, auth, db, project, fixed_today):
    auth.login("admin")
    first = _form(client, project.code)
    second = dict(first)
    first[f"rows-{_row_index(first, '立项批复')}-actual"] = "2023-02-01"
    assert client.post_form(f"/projects/{project.code}/milestones", first).status_code == 302
    second[f"rows-{_row_index(second, '立项批复')}-actual"] = "2023-03-01"
    response = client.post_form(f"/projects/{project.code}/milestones", second)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "保存被拒绝：里程碑 T-0001 已被他人修改" in text
    assert "修改了 立项批复 的实际完成日期：（空） → 2023-02-01" in text
    ms = {m.name: m for m in _milestones(db, project)}
    assert ms["立项批复"].actual_on == date(2023, 2, 1)


def test_only_assigned_pms_may_edit(client, auth, db, project):
    other = make_project(db, code="T-0002")
    auth.login("pm", projects=[other])
    assert client.get(f"/projects/{project.code}/milestones").status_code == 403
    assert client.post(f"/projects/{project.code}/milestones", data={}).status_code in (400, 403)
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "编辑里程碑" not in page


def test_csrf_is_required(client, auth, db, project):
    auth.login("admin")
    data = _form(client, project.code)
    response = client.post(f"/projects/{project.code}/milestones", data=data)
    assert response.status_code == 400


def test_panel_timeline_has_today_and_cutoff_lines(client, auth, project, fixed_today):
    auth.login("viewer")
    html = client.get(f"/projects/{project.code}").get_data(as_text=True)
    assert 'class="today-line"' in html and 'class="cutoff-line"' in html
    assert "开学年份 2025，交付截止 2025-08-31" in html
    assert "<script" not in html.split('id="milestones"')[1].split("</section>")[0]


def test_api_has_milestones(client, auth, project, fixed_today):
    auth.login("viewer")
    data = client.get(f"/api/projects/{project.code}").get_json()
    part = data["milestones"]
    assert part["health"] == "逾期"
    assert [i["name"] for i in part["items"]][:2] == ["立项批复", "可研批复"]
    first = part["items"][0]
    assert first["is_estimate"] and first["is_overdue"] and first["planned_on"] == "2023-01-30"
    assert part["term_cutoff"] == "2025-08-31" and part["term_slack_days"] == 0


def test_needs_update_groups_by_pm_then_builder(client, auth, db, project, app, fixed_today):
    other = make_project(db, code="T-0002", builder="迪荡新城投资有限公司")
    with app.app_context():
        services.lay_out(db, [other.id], TODAY)
    db.commit()
    auth.make_user("pm", username="wang", projects=[project])
    auth.login("viewer")
    html = client.get("/milestones/needs-update").get_data(as_text=True)
    assert "项目负责人：wang" in html
    assert "未分配负责人 · 建设单位：迪荡新城投资有限公司" in html
    assert "估算日期，待确认" in html and "已逾期" in html


def test_gantt_page(client, auth, seeded, fixed_today):
    auth.login("leader")
    html = client.get("/milestones/gantt").get_data(as_text=True)
    assert html.count('class="cutoff-line"') >= 3 and 'class="today-line"' in html
    assert "鲁迅小学教育集团凤鸣校区" in html and "<script" not in html


def test_bad_opening_year_is_refused_in_chinese(client, auth, db, project, fixed_today):
    auth.login("admin")
    data = _form(client, project.code)
    data["opening_year"] = "明年"
    response = client.post_form(f"/projects/{project.code}/milestones", data)
    assert response.status_code == 422
    assert "开学年份应为 2000–2100 之间的年份" in response.get_data(as_text=True)
    assert db.get(ProjectSchedule, project.id).opening_year is None


def test_a_pm_sees_own_projects_first(client, auth, db, project, app, fixed_today):
    other = make_project(db, code="T-0002", name="别人的学校")
    with app.app_context():
        services.lay_out(db, [other.id], TODAY)
    db.commit()
    auth.login("pm", username="li", projects=[project])
    mine = client.get("/milestones/needs-update").get_data(as_text=True)
    assert "项目负责人：li" in mine and "别人的学校" not in mine
    everything = client.get("/milestones/needs-update?all=1").get_data(as_text=True)
    assert "别人的学校" in everything


def test_a_broken_template_setting_stops_the_app_starting(database_url):
    from tracker import create_app
    from tracker.config import ConfigError

    with pytest.raises(ConfigError, match="里程碑模板"):
        create_app(
            {
                "DATABASE_URL": database_url,
                "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
                "MILESTONE_TEMPLATE": [["立项批复", "next-tuesday"]],
            }
        )


def test_a_custom_template_is_used_for_new_projects(app, db):
    app.config["MILESTONE_TEMPLATE"] = [["立项", "start:03-01"], ["交付使用", "end:08-15"]]
    p = make_project(db, code="T-0009", start_year=2026, end_year=2027)
    with app.app_context():
        services.lay_out(db, [p.id], TODAY)
    db.commit()
    assert [(m.name, m.planned_on) for m in _milestones(db, p)] == [
        ("立项", date(2026, 3, 1)),
        ("交付使用", date(2027, 8, 15)),
    ]
