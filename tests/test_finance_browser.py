"""The 投资 page in Chromium: charts drawn, nothing loaded from another host, the form saved."""

import pytest
from sqlmodel import select

from tracker.finance.models import InvestmentYear
from tracker.projects.models import Project

pytestmark = pytest.mark.browser


def test_finance_page_and_form_in_the_browser(browser, browser_login, live_server, seeded, db):
    page = browser_login(browser, "finance")
    page.goto(f"{live_server.url}/finance/projects/YC2022-20")
    page.fill("input[name=years-0-year]", "2024")
    page.fill("input[name=years-0-planned]", "12000.5")
    page.fill("input[name=years-0-completed]", "11000")
    page.select_option("select[name=funding-0-source]", "地方政府专项债券")
    page.fill("input[name=funding-0-amount]", "35000")
    page.click("form.project-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/projects/YC2022-20")
    assert "12,000.50" in page.inner_text("#finance-panel")
    requests = []  # only the finance page's own requests (the project page carries the map)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/finance?unit=万元")
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all("#charts img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 3 and all(w > 0 for w in widths)
    assert "12,000.50" in page.inner_text("#pivot")
    assert requests and all(url.startswith(live_server.url) for url in requests), requests
    pid = db.exec(select(Project.id).where(Project.code == "YC2022-20")).one()
    row = db.exec(select(InvestmentYear).where(InvestmentYear.project_id == pid)).one()
    assert (row.year, row.planned_fen, row.completed_fen) == (2024, 12_000_500_000, 11_000_000_000)
