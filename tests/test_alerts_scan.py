"""The daily scan with fixed dates: overdue, term-start and stale alerts, idempotency, closing
when fixed, one failing project, the 预警 page, acknowledging, the API, the home card and the
SMTP digest received by a real local server."""

import re
import socket
from datetime import date, datetime

import pytest
from conftest import make_project
from sqlalchemy import func, update
from sqlmodel import select

from tracker import clock
from tracker.alerts import services as alerts
from tracker.alerts.jobs import daily_scan
from tracker.alerts.models import Alert
from tracker.milestones import services
from tracker.milestones.models import Milestone

TODAY = date(2025, 3, 10)


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


def _project(app, db, **overrides):
    p = make_project(db, **overrides)
    with app.app_context():
        services.lay_out(db, [p.id], TODAY)
    db.commit()
    return p


def _set(db, project, name, **values):
    db.execute(
        update(Milestone)
        .where(Milestone.project_id == project.id, Milestone.name == name)
        .values(**values)
    )
    db.commit()


def _open(db):
    db.expire_all()
    return db.exec(select(Alert).where(Alert.closed_on.is_(None))).all()


def _scan(app, db, today=TODAY):
    with app.app_context():
        result = alerts.scan(db, today)
    db.commit()
    return result


def _all_done_until(db, project, last_done: str):
    for m in services.milestones_of(db, project.id):
        m.actual_on = m.planned_on
        db.add(m)
        if m.name == last_done:
            break
    db.commit()


def test_overdue_alerts_are_idempotent_and_close_when_fixed(app, db):
    p = _project(app, db, start_year=2024, end_year=2025)
    # 2024-2025: 立项批复 2024-01-19, 可研批复 ~2024-02-28 ... ; by 2025-03-10 several are overdue.
    first = _scan(app, db)
    kinds = sorted(a.kind for a in _open(db))
    assert first.opened == len(kinds) and "overdue" in kinds
    overdue_before = {a.milestone_name for a in _open(db) if a.kind == "overdue"}
    assert {"立项批复", "开工", "主体结顶"} <= overdue_before
    again = _scan(app, db)
    assert (again.opened, again.updated, again.closed) == (0, 0, 0)
    assert len(_open(db)) == len(kinds)
    # The PM records 立项批复 done: its alert closes, nothing else changes.
    _set(db, p, "立项批复", actual_on=date(2024, 1, 20))
    third = _scan(app, db)
    assert third.closed == 1 and third.opened == 0
    assert "立项批复" not in {a.milestone_name for a in _open(db) if a.kind == "overdue"}
    closed = db.exec(select(Alert).where(Alert.closed_on == TODAY)).one()
    assert closed.milestone_name == "立项批复"
    # A new forecast moves the due date: the same alert is updated, not duplicated.
    _set(db, p, "开工", forecast_on=date(2025, 3, 1))
    fourth = _scan(app, db)
    assert fourth.updated == 1 and fourth.opened == 0
    kaigong = [a for a in _open(db) if a.milestone_name == "开工"]
    assert (
        len(kaigong) == 1 and kaigong[0].due_on == date(2025, 3, 1) and "预测" in kaigong[0].message
    )


def test_term_start_and_stale_alerts(app, db):
    on_track = _project(app, db, code="T-0001", start_year=2024, end_year=2025)
    late = _project(app, db, code="T-0002", start_year=2024, end_year=2025)
    _all_done_until(db, on_track, "施工许可")
    _all_done_until(db, late, "施工许可")
    _set(db, late, "交付使用", forecast_on=date(2025, 10, 15), slip_reason="设计变更")
    today = date(2024, 11, 1)
    _scan(app, db, today)
    by_project = {}
    for a in _open(db):
        by_project.setdefault(a.project_id, set()).add(a.kind)
    assert "term_risk" in by_project.get(late.id, set())
    assert "term_risk" not in by_project.get(on_track.id, set())
    term = next(a for a in _open(db) if a.kind == "term_risk")
    assert term.due_on == date(2025, 10, 15) and "2025-08-31" in term.message
    # Nobody touched the plan for more than 90 days: both become stale.
    old = datetime(2024, 7, 1, 12, 0)
    db.execute(update(Milestone).values(updated_at=old))
    db.commit()
    _scan(app, db, today)
    assert {a.project_id for a in _open(db) if a.kind == "stale"} == {on_track.id, late.id}
    # Fixing the forecast closes the term-start alert.
    _set(db, late, "交付使用", forecast_on=date(2025, 8, 20), updated_at=datetime(2024, 10, 30))
    _scan(app, db, today)
    assert not [a for a in _open(db) if a.kind == "term_risk"]


def test_one_failing_project_does_not_stop_the_scan(app, db, monkeypatch, caplog):
    good = _project(app, db, code="T-0001", start_year=2023, end_year=2024)
    bad = _project(app, db, code="T-0002", start_year=2023, end_year=2024)
    real = services.evaluate_one

    def flaky(rows, *args):
        if rows and rows[0].project_id == bad.id:
            raise RuntimeError("boom")
        return real(rows, *args)

    monkeypatch.setattr(services, "evaluate_one", flaky)
    result = _scan(app, db)
    assert result.failed == [bad.id]
    assert {a.project_id for a in _open(db)} == {good.id}
    assert "could not be evaluated" in caplog.text


def test_paused_and_archived_projects_raise_nothing(app, db):
    p = _project(app, db, start_year=2023, end_year=2024)
    _scan(app, db)
    assert _open(db)
    p.status = "暂缓"
    db.add(p)
    db.commit()
    _scan(app, db)
    assert not _open(db)


def test_the_open_alert_is_unique_in_the_database(app, db):
    p = _project(app, db, start_year=2023, end_year=2024)
    _scan(app, db)
    a = _open(db)[0]
    db.add(Alert(project_id=p.id, kind=a.kind, milestone_ref=a.milestone_ref, opened_on=TODAY))
    with pytest.raises(Exception, match="(?i)unique"):
        db.commit()
    db.rollback()


def test_alerts_page_groups_acknowledge_api_and_home_card(client, auth, app, db, fixed_today):
    a1 = _project(
        app,
        db,
        code="T-0001",
        builder="镜湖开发办",
        subdistrict="灵芝街道",
        start_year=2023,
        end_year=2024,
    )
    _project(
        app,
        db,
        code="T-0002",
        builder="市交投集团",
        subdistrict="迪荡街道",
        start_year=2024,
        end_year=2025,
    )
    _scan(app, db)
    auth.login("leader")
    html = client.get("/alerts").get_data(as_text=True)
    assert "按建设单位" in html and "按街道" in html and "镜湖开发办" in html and "迪荡街道" in html
    assert "逾期" in html and "下一阶段" in html
    # days overdue of T-0001: its earliest overdue date is 立项批复 2023-01-29 (2023-2024 span)
    first = db.exec(
        select(func.min(Alert.due_on)).where(Alert.project_id == a1.id, Alert.kind == "overdue")
    ).one()
    assert f">{(TODAY - first).days}<" in html
    filtered = client.get("/alerts?builder=市交投集团").get_data(as_text=True)
    assert "测试小学2" in filtered and "测试小学1<" not in filtered
    mine = {a.id for a in _open(db) if a.project_id == a1.id}
    forms = [set(map(int, v.split(","))) for v in re.findall(r'name="ids" value="([^"]+)"', html)]
    ids = next(f for f in forms if f <= mine)
    assert ids == mine
    # An empty note is refused: nothing is acknowledged.
    response = client.post_form(
        "/alerts/acknowledge", {"ids": ",".join(map(str, ids)), "note": " "}, page_url="/alerts"
    )
    assert response.status_code == 302
    assert all(a.acknowledged_at is None for a in _open(db))
    response = client.post_form(
        "/alerts/acknowledge",
        {"ids": ",".join(map(str, ids)), "note": "已督促施工单位", "back": "/alerts?page=1"},
        page_url="/alerts",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts?page=1")
    alert = db.get(Alert, min(ids))
    db.expire_all()
    acked = db.get(Alert, alert.id)
    assert acked.ack_note == "已督促施工单位" and acked.acknowledged_by == "leader-user"
    assert {a.id for a in _open(db) if a.acknowledged_at} == mine
    page = client.get("/alerts").get_data(as_text=True)
    assert "已督促施工单位" in page and "均已确认" in page
    # The acknowledgement is in the project's history.
    history = client.get("/projects/T-0001").get_data(as_text=True)
    assert "acknowledge" in history or "确认预警" in history
    api = client.get("/api/alerts").get_json()
    assert api["count"] == len(_open(db))
    item = next(i for i in api["alerts"] if i["id"] == alert.id)
    assert item["acknowledged"] and item["project_code"] == "T-0001" and item["days_overdue"] > 0
    home = client.get("/").get_data(as_text=True)
    assert "未解决预警" in home and f">{len(_open(db))}<" in home


def test_viewers_cannot_acknowledge(client, auth, app, db, fixed_today):
    _project(app, db, start_year=2023, end_year=2024)
    _scan(app, db)
    auth.login("viewer")
    alert = _open(db)[0]
    response = client.post_form(
        "/alerts/acknowledge", {"ids": str(alert.id), "note": "x"}, page_url="/alerts"
    )
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Alert, alert.id).acknowledged_at is None
    assert client.get("/api/alerts").status_code == 200


def test_api_alerts_needs_login(client):
    response = client.get("/api/alerts")
    assert response.status_code == 401 and response.get_json()["error"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_digest_is_received_per_unit(app, db):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    _project(app, db, code="T-0001", builder="镜湖开发办", start_year=2023, end_year=2024)
    _project(app, db, code="T-0002", builder="市交投集团", start_year=2023, end_year=2024)
    _project(app, db, code="T-0003", builder="无人单位", start_year=2023, end_year=2024)
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=port,
            ALERT_RECIPIENTS={
                "镜湖开发办": ["jinghu@example.org"],
                "市交投集团": ["jt@example.org"],
            },
        )
        result = daily_scan(app, TODAY)
    finally:
        controller.stop()
    assert result.opened > 0
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["jinghu@example.org", "jt@example.org"]
    from email import message_from_bytes, policy

    mails = {
        m.rcpt_tos[0]: message_from_bytes(m.original_content, policy=policy.default)
        for m in inbox.messages
    }
    jinghu = mails["jinghu@example.org"]
    assert "镜湖开发办" in jinghu["Subject"] and "预警日报" in jinghu["Subject"]
    body = jinghu.get_body().get_content()
    assert "T-0001" in body and "T-0002" not in body and "逾期" in body


def test_no_smtp_means_no_mail(app, db, monkeypatch):
    import smtplib

    _project(app, db, start_year=2023, end_year=2024)
    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: pytest.fail("no SMTP configured"))
    assert daily_scan(app, TODAY).opened > 0


def test_scan_overdue_command(app, db, runner):
    _project(app, db, start_year=2023, end_year=2024)
    result = runner.invoke(args=["scan-overdue", "--today", "2025-03-10"])
    assert result.exit_code == 0, result.output
    assert "扫描完成（2025-03-10）" in result.output
    again = runner.invoke(args=["scan-overdue", "--today", "2025-03-10"])
    assert "新增预警 0 条" in again.output
    bad = runner.invoke(args=["scan-overdue", "--today", "2025-02-30"])
    assert bad.exit_code != 0


def test_alerts_page_follows_scans_and_project_edits(client, auth, app, db, fixed_today):
    from tracker.projects.services import update_project

    p = _project(app, db, code="T-0001", builder="镜湖开发办", start_year=2023, end_year=2024)
    auth.login("leader")
    assert "尚未运行过每日扫描" in client.get("/alerts").get_data(as_text=True)
    _scan(app, db)
    html = client.get("/alerts").get_data(as_text=True)
    assert "上次扫描" in html and "镜湖开发办" in html
    with app.app_context():
        update_project(
            db,
            actor=_actor(),
            project=p,
            values={"builder": "市交投集团"},
            expected_version=None,
        )
    db.commit()
    html = client.get("/alerts").get_data(as_text=True)
    assert "市交投集团" in html and "镜湖开发办" not in html
    for m in services.milestones_of(db, p.id):
        m.actual_on = m.planned_on if m.planned_on <= TODAY else None
        db.add(m)
    db.commit()
    _scan(app, db)
    html = client.get("/alerts").get_data(as_text=True)
    assert "没有未解决的预警" in html


def _actor():
    from tracker.audit.services import Actor

    return Actor(None, "测试")
