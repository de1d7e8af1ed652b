"""Done when, in Chromium at 390×844: a PM files a report with two photos from the phone form, an
admin returns it with a comment, the PM resubmits, the admin accepts; the official's 调度表 shows
it; its XLSX reads back with its title, print settings and the same figures; the finance month
row equals the report's figure."""

import io

import openpyxl
import pytest
import report_files as rf
from conftest import PASSWORD, AuthActions
from reports_helpers import TODAY, project
from sqlmodel import select

from tracker import clock
from tracker.finance.models import InvestmentMonth
from tracker.reports.models import MonthlyReport, ReportPhoto

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def phone(browser, live_server, db, role, projects=(), username=None):
    user = AuthActions(None, db).make_user(role, username, projects=projects)
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def report(db) -> MonthlyReport:
    db.expire_all()
    return db.exec(select(MonthlyReport)).one()


def test_file_return_resubmit_accept_on_a_phone(browser, live_server, app, db, tmp_path):
    p = project(app, db, code="B-1", name="手机填报测试小学", builder="镜湖开发办")
    east, pit = tmp_path / "东立面.jpg", tmp_path / "基坑.png"
    east.write_bytes(rf.jpeg((1200, 900), orientation=6, gps=(30.0301, 120.5702)))
    pit.write_bytes(rf.png((800, 600)))

    pm = phone(browser, live_server, db, "pm", projects=[p])
    pm.goto(f"{live_server.url}/projects/B-1/reports/new?month=2025-03")
    photo = pm.locator("input[name=photo_1]")
    assert photo.get_attribute("accept") == "image/*"
    assert photo.get_attribute("capture") == "environment"
    assert fits(pm), "the form is wider than the phone"
    widths = pm.eval_on_selector_all(
        "form.report-form textarea, form.report-form input[type=text]",
        "els => els.map(e => e.getBoundingClientRect().right)",
    )
    assert widths and max(widths) <= PHONE["width"]
    pm.fill("textarea[name=progress_text]", "主体结构施工至三层")
    pm.fill("input[name=progress_percent]", "45")
    pm.fill("input[name=month_completed]", "120.50")
    pm.fill("input[name=cumulative]", "3400.25")
    pm.fill("textarea[name=problems]", "雨季影响土方外运")
    pm.fill("textarea[name=next_steps]", "完成四层结构")
    pm.fill("textarea[name=coordination]", "需协调电力迁改")
    pm.set_input_files("input[name=photo_1]", str(east))
    pm.fill("input[name=caption_1]", "东立面")
    pm.set_input_files("input[name=photo_2]", str(pit))
    pm.fill("input[name=caption_2]", "基坑")
    pm.click("button[value=submit]")
    pm.wait_for_url(f"{live_server.url}/reports/*")
    assert "已提交审核" in pm.inner_text("main")
    thumbs = pm.eval_on_selector_all("#photos img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(thumbs) == 2 and all(w > 0 for w in thumbs)
    assert fits(pm)
    r = report(db)
    assert r.status == "submitted"

    admin = phone(browser, live_server, db, "admin")
    admin.goto(f"{live_server.url}/reports/{r.id}")
    admin.fill("#comment", "照片不清楚，请补拍")
    admin.click("button[value=return]")
    admin.wait_for_url(f"{live_server.url}/reports/{r.id}")
    assert report(db).status == "returned"

    pm.goto(f"{live_server.url}/reports/{r.id}/edit")
    assert "照片不清楚，请补拍" in pm.inner_text("main")
    pm.fill("input[name=caption_1]", "补拍")
    pm.set_input_files("input[name=photo_1]", str(east))
    pm.click("button[value=submit]")
    pm.wait_for_url(f"{live_server.url}/reports/{r.id}")
    assert report(db).status == "submitted"

    admin.goto(f"{live_server.url}/reports/{r.id}")
    admin.click("button[value=accept]")
    admin.wait_for_url(f"{live_server.url}/reports/{r.id}")
    r = report(db)
    assert r.status == "accepted"
    assert len(db.exec(select(ReportPhoto)).all()) == 3

    leader = phone(browser, live_server, db, "leader")
    leader.goto(f"{live_server.url}/reports/table?month=2025-03")
    table = leader.inner_text("#dispatch")
    assert "手机填报测试小学" in table and "120.50" in table and "3,400.25" in table
    assert "需协调电力迁改" in leader.inner_text("#coordination")
    with leader.expect_download() as download:
        leader.click("#export")
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["月度调度表"]
    assert sheet["A1"].value == "绍兴市越城区学校建设项目2025年3月调度表"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] == p.name)
    assert (row[5], row[6]) == (120.5, 3400.25)

    month = db.exec(
        select(InvestmentMonth).where(
            InvestmentMonth.project_id == p.id, InvestmentMonth.month == 3
        )
    ).one()
    assert month.year == 2025 and month.completed_fen == r.month_completed_fen == 120_500_000
    for page in (pm, admin, leader):
        page.close()
