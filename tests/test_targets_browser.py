"""The 规划目标 page in a real headless Chromium: attainment bars drawn to scale, the jurisdiction
selector, a hostile indicator shown as text, linking a project through the form."""

import pytest
from sqlmodel import select

from tests.conftest import ARTIFACTS, TEST_ACTOR
from tracker.targets.loader import (
    JURISDICTIONS_FILE,
    TARGETS_FILE,
    load_jurisdictions,
    load_targets,
)
from tracker.targets.models import Target

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>${alert(3)}"


@pytest.fixture
def targets(app, db):
    load_jurisdictions(db, JURISDICTIONS_FILE.read_text(encoding="utf-8"))
    outcome = load_targets(db, actor=TEST_ACTOR, text=TARGETS_FILE.read_text(encoding="utf-8"))
    assert outcome.ok, outcome.errors
    db.commit()
    return {t.key: t for t in db.exec(select(Target))}


def _width(page, selector: str) -> float:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().width")


def test_bars_selector_and_linking_in_the_browser(
    browser, browser_login, live_server, db, seeded, targets
):
    hostile = targets["003-special-school"]
    hostile.indicator = HOSTILE
    db.add(hostile)
    db.commit()
    page = browser_login(browser, "admin")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/targets")
    page.select_option("#jurisdiction", "浙江省/绍兴市/越城区")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/targets?jurisdiction=*")
    assert "新增公办幼儿园至少15所" in page.content()
    assert "新改扩建幼儿园8所" not in page.content()
    row = 'tr[data-key="001-public-kindergartens"]'
    # 3 planned kindergartens of 15: the planned segment is a fifth of the bar.
    whole = _width(page, f"{row} .tbar")
    planned = _width(page, f"{row} .tbar .plan")
    assert abs(planned / whole - 0.2) < 0.02, (planned, whole)
    assert _width(page, f"{row} .tbar .done") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "targets-yuecheng.png"), full_page=True)

    # Link a 越城区 kindergarten to 连云区's 8-kindergarten target through the form.
    page.goto(f"{live_server.url}/targets/{targets['000-kindergartens'].id}")
    page.fill("input[name=project_code]", "YC2022-06")
    page.click("form.filters button.primary")
    page.wait_for_load_state()
    assert "已计入此目标" in page.content() and "手工关联" in page.content()
    assert "计划中 1" in page.content()

    page.goto(f"{live_server.url}/targets?jurisdiction=广东省/清远市/连州市")
    assert HOSTILE in page.inner_text('tr[data-key="003-special-school"] td:first-child')
    page.screenshot(path=str(ARTIFACTS / "targets-lianzhou.png"), full_page=True)
    assert dialogs == [] and errors == []
