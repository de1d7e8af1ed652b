"""A PM records a milestone in real Chromium: the form, the saved panel and the SVG timeline."""

from datetime import date

import pytest
from conftest import make_project

from tracker.milestones import services

pytestmark = pytest.mark.browser


def test_pm_marks_a_milestone_done_in_the_browser(browser, browser_login, live_server, app, db):
    project = make_project(db, code="T-0001", start_year=2023, end_year=2025)
    with app.app_context():
        services.lay_out(db, [project.id], date(2025, 3, 10))
    db.commit()
    page = browser_login(browser, "pm", projects=[project])
    page.goto(f"{live_server.url}/projects/T-0001")
    page.click("text=编辑里程碑")
    row = page.locator("tr", has=page.locator("input[value='开工']"))
    row.locator("input[aria-label='实际完成日期']").fill("2024-01-15")
    slipping = page.locator("tr", has=page.locator("input[value='主体结顶']"))
    slipping.locator("input[aria-label='预测日期']").fill("2029-01-01")
    page.click("button:has-text('保存里程碑')")
    # The forecast later than the plan needs a reason: refused, with the message beside the cell.
    assert page.locator("p.error", has_text="请填写延误原因").is_visible()
    slipping = page.locator("tr", has=page.locator("input[value='主体结顶']"))
    slipping.locator("input[aria-label='延误原因']").fill("地块移交推迟")
    page.click("button:has-text('保存里程碑')")
    page.wait_for_url(f"{live_server.url}/projects/T-0001")
    panel = page.locator("#milestones")
    assert "已完成" in panel.inner_text() and "地块移交推迟" in panel.inner_text()
    assert panel.locator("svg.timeline line.today-line").count() == 1
    assert panel.locator("svg.timeline line.cutoff-line").count() == 1
    assert panel.locator("svg.timeline circle[fill='#2e8b57']").count() == 1  # the actual date
