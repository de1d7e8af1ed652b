"""The month as officials read it: the 调度表 page and its XLSX (read back with openpyxl), the
API, the home card and the 未报送 list; the month-close job with fixed dates and a local SMTP
server; immutable snapshots, the as-of view and 「本月变化」."""

import io
import socket
from datetime import date
from email import message_from_bytes, policy

import openpyxl
import pytest
from reports_helpers import TODAY, project
from sqlalchemy import update
from sqlmodel import select

from tracker import clock, extend
from tracker.audit import SYSTEM
from tracker.milestones.models import Milestone
from tracker.reports import services, snapshots
from tracker.reports.jobs import month_close
from tracker.reports.models import MonthlyReport, SnapshotRow
from tracker.reports.services import ReportInput


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _file(app, db, p, period, *, accept=True, percent=50, month=100, cumulative=1_000, **values):
    """A report filed (and accepted) through the services, as the pages do."""
    with app.app_context():
        data = ReportInput(
            {
                "progress_text": values.pop("progress_text", f"{p.name} 进展"),
                "progress_percent": percent,
                "month_completed_fen": month * 1_000_000,  # 万元 → fen
                "cumulative_fen": cumulative * 1_000_000,
                "problems": values.pop("problems", ""),
                "next_steps": values.pop("next_steps", "继续施工"),
                "coordination": values.pop("coordination", ""),
                "percent_reason": values.pop("percent_reason", ""),
            }
        )
        report = services.create(
            db, actor=SYSTEM, project=p, period=period, data=data, today=TODAY,
            root=__import__("pathlib").Path(app.instance_path) / "p", max_photos=20,
        )  # fmt: skip
        services.submit(db, actor=SYSTEM, report=report, today=TODAY)
        if accept:
            services.review(
                db, actor=SYSTEM, report=report, accept=True, comment="", expected_version=None
            )
    db.commit()
    return report


def test_dispatch_table_page_xlsx_and_api(app, client, auth, db):
    a = project(app, db, code="D-1", name="甲小学", builder="镜湖开发办")
    b = project(app, db, code="D-2", name="乙中学", builder="市交投集团")
    c = project(app, db, code="D-3", name="丙幼儿园", builder="市交投集团")
    project(app, db, code="D-4", name="丁学校", status="暂缓")
    _file(app, db, a, "2025-03", month=120, cumulative=3_400, problems="土方外运受限")
    _file(app, db, b, "2025-03", month=80, cumulative=900, coordination="需协调电力迁改")
    _file(app, db, c, "2025-03", accept=False)
    auth.login("leader")
    page = client.get("/reports/table?month=2025-03").get_data(as_text=True)
    assert "2025年3月月度调度表" in page and "实时数据" in page
    assert page.index("需协调电力迁改") < page.index('id="dispatch"')  # 需协调事项 on top
    assert page.index("乙中学") < page.index("甲小学")  # and its project first in the table
    assert "土方外运受限" in page and "待审核" in page and "无需报送" in page
    assert "合计 4 个项目" in page and "4,300.00" in page  # 3,400 + 900 万元

    response = client.get("/reports/table.xlsx?month=2025-03")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book["月度调度表"]
    assert sheet["A1"].value == "绍兴市越城区学校建设项目2025年3月调度表"
    assert sheet["A2"].value == "数据截至 2025年4月5日　　单位：万元　　范围：全部项目（实时数据）"
    assert [c.value.replace("\n", "") for c in sheet[3]][:11] == [
        "序号", "项目名称", "建设单位", "总投资（万元）", "年度计划（万元）", "本月完成（万元）",
        "累计完成（万元）", "完成率（%）", "形象进度", "存在问题", "下步计划",
    ]  # fmt: skip
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$3:$3" and sheet.freeze_panes == "C4"
    rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["甲小学"][5] == 120 and rows["甲小学"][6] == 3400
    assert rows["乙中学"][5] == 80 and rows["乙中学"][0] == 1
    total = rows["合计 4 个项目"]
    assert total[6] == 4300 and total[5] == 200
    assert book["需协调事项"]["D4"].value == "需协调电力迁改"

    api = client.get("/api/reports?month=2025-03").get_json()
    assert api["count"] == 4 and api["totals"]["cumulative_completed"] == "4300.00"
    by_code = {r["code"]: r for r in api["reports"]}
    assert (
        by_code["D-1"]["month_completed"] == "120.00" and by_code["D-3"]["standing"] == "submitted"
    )
    bad = client.get("/api/reports?month=2025-13")
    assert bad.status_code == 400 and "不是有效的月份" in bad.get_json()["error"]
    part = client.get("/api/projects/D-1").get_json()["reports"]
    assert part[0]["month"] == "2025-03" and part[0]["status_label"] == "已通过"
    detail = client.get("/projects/D-1").get_data(as_text=True)
    assert 'id="reports-panel"' in detail and "<svg" in detail and "月报（已通过）" in detail


def test_missing_list_home_card_and_worklist(app, client, auth, db):
    a = project(app, db, code="M-1", builder="镜湖开发办")
    project(app, db, code="M-2", builder="镜湖开发办")
    project(app, db, code="M-3", builder="市交投集团")
    project(app, db, code="M-4", builder="市交投集团", status="交付使用")
    _file(app, db, a, "2025-03")
    auth.login("admin")
    page = client.get("/reports/missing?month=2025-03").get_data(as_text=True)
    assert "共 2 个项目未报送" in page and "M-2" in page and "M-3" in page and "M-4" not in page
    home = client.get("/").get_data(as_text=True)
    assert 'id="reports-card"' in home and "2025年3月月报待报送" in home
    with app.test_request_context():
        from flask import render_template_string

        ((template, ctx),) = extend.worklist_panels(db, TODAY)
        html = render_template_string("{% include template %}", template=template, ctx=ctx)
    assert "2025年3月月报未报送" in html and "市交投集团" in html


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_month_close_job_seals_once_and_mails_each_unit(app, db):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    a = project(app, db, code="J-1", name="甲小学", builder="镜湖开发办")
    project(app, db, code="J-2", name="乙小学", builder="镜湖开发办")
    project(app, db, code="J-3", name="丙中学", builder="市交投集团")
    _file(app, db, a, "2025-03")
    # On the due day itself March is not late yet: the job looks at February.
    assert month_close(app, date(2025, 4, 10)).period == "2025-02"
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=port,
            ALERT_RECIPIENTS={"镜湖开发办": ["jinghu@example.org"]},
            ALERT_DEFAULT_RECIPIENTS=["office@example.org"],
        )
        result = month_close(app, date(2025, 4, 11))
    finally:
        controller.stop()
    assert (result.period, result.sealed, result.missing, result.mailed) == ("2025-03", True, 2, 2)
    mails = {
        m.rcpt_tos[0]: message_from_bytes(m.original_content, policy=policy.default)
        for m in inbox.messages
    }
    jinghu = mails["jinghu@example.org"]
    assert jinghu["Subject"] == "【月报未报送】镜湖开发办：2025年3月 1 个项目（截止 2025-04-10）"
    body = jinghu.get_body().get_content()
    assert "J-2 乙小学：未报送" in body and "J-1" not in body and "J-3" not in body
    assert "J-3 丙中学" in mails["office@example.org"].get_body().get_content()
    again = month_close(app, date(2025, 4, 12))
    assert not again.sealed  # sealed once; the second run keeps it


def test_as_of_view_keeps_last_months_figures(app, client, auth, db):
    a = project(app, db, code="S-1", name="甲小学")
    b = project(app, db, code="S-2", name="乙小学")
    _file(app, db, a, "2025-02", percent=30, month=50, cumulative=500)
    _file(app, db, b, "2025-02", percent=20, month=10, cumulative=100)
    with app.app_context():
        snapshots.take(db, "2025-02", today=date(2025, 3, 11), actor=SYSTEM)
    db.commit()
    # March: 甲 reaches 开工, gets a problem; 乙 goes quiet; its schedule slips.
    db.execute(
        update(Milestone)
        .where(Milestone.project_id == a.id, Milestone.position <= 6)
        .values(actual_on=date(2025, 3, 3))
    )
    db.commit()
    _file(app, db, a, "2025-03", percent=45, month=80, cumulative=580, problems="钢筋进场延迟")
    # February is changed after its close: a new version with other figures is accepted.
    feb = db.exec(
        select(MonthlyReport).where(
            MonthlyReport.project_id == a.id, MonthlyReport.period == "2025-02"
        )
    ).one()
    with app.app_context():
        new = services.revise(db, actor=SYSTEM, report=feb, today=TODAY)
        new.month_completed_fen, new.cumulative_fen = 99 * 10**6, 999 * 10**6
        services.submit(db, actor=SYSTEM, report=new, today=TODAY)
        services.review(
            db, actor=SYSTEM, report=new, accept=True, comment="", expected_version=None
        )
        snapshots.take(db, "2025-03", today=date(2025, 4, 11), actor=SYSTEM)
    db.commit()
    auth.login("leader")
    feb_page = client.get("/reports/asof?month=2025-02").get_data(as_text=True)
    assert "2025年3月11日" in feb_page or "2025-03-11" in feb_page
    assert "500.00" in feb_page and "999.00" not in feb_page  # as reported then
    feb_table = client.get("/reports/table?month=2025-02").get_data(as_text=True)
    assert "月末封存数据" in feb_table and "500.00" in feb_table and "999.00" not in feb_table
    live = client.get("/reports/table?month=2025-02&live=1").get_data(as_text=True)
    assert "999.00" in live
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/table.xlsx?month=2025-02").data))
    assert any(r[6] == 500 for r in book["月度调度表"].iter_rows(min_row=4, values_only=True))
    march = client.get("/reports/asof?month=2025-03").get_data(as_text=True)
    changes = march[march.index('id="changes"') :]
    assert "甲小学：立项批复、可研批复" in changes  # stages reached in March
    assert "甲小学：<span" in changes and "钢筋进场延迟" in changes  # a new problem
    quiet = changes[changes.index("本月未报送") : changes.index("</section>")]
    assert "乙小学" in quiet and "甲小学" not in quiet
    assert 'id="asof-health"' in march
    with pytest.raises(RuntimeError, match="immutable"):
        row = db.exec(select(SnapshotRow)).first()
        row.cumulative_fen = 1
        db.commit()
    db.rollback()


def test_admin_seals_a_closed_month_and_not_an_open_one(app, client, auth, db):
    project(app, db, code="Z-1")
    auth.login("admin")
    open_month = client.post_form(
        "/reports/asof/seal", {"month": "2025-04"}, page_url="/reports/asof"
    )
    assert open_month.status_code == 303
    assert snapshots.get(db, "2025-04") is None
    sealed = client.post_form("/reports/asof/seal", {"month": "2025-02"}, page_url="/reports/asof")
    assert sealed.status_code == 302
    db.expire_all()
    assert snapshots.get(db, "2025-02").projects == 1
