"""In a real Chromium: every main page works under the Content-Security-Policy (no script or style
the policy blocks), an injected inline script would be blocked, and the session cookie is out of
reach of page scripts. Both tests only read: they share one database and live server."""

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/projects",
    "/projects/{code}",
    "/projects/{code}/edit",
    "/projects/quality",
    "/projects/import",
    "/maps",
    "/finance",
    "/alerts",
    "/milestones/gantt",
    "/milestones/needs-update",
    "/projects/{code}/milestones",
    "/targets",
    "/audit",
    "/users",
    "/account",
]


def test_pages_run_under_the_csp_without_violations(
    module_app, module_seeded, browser, module_browser_login, module_live_server
):
    from tracker.projects.models import Project

    app, live_server = module_app, module_live_server
    known = {rule.rule for rule in app.url_map.iter_rules()}
    page = module_browser_login(browser, "admin")
    violations = []
    page.on(
        "console",
        lambda m: (
            violations.append((page.url, m.text)) if "Content Security Policy" in m.text else None
        ),
    )
    from sqlmodel import Session, select

    with Session(app.extensions["engine"]) as session:
        code = session.exec(select(Project.code).order_by(Project.id)).first()
    visited = 0
    for path in PAGES:
        rule = path.replace("{code}", "<code>")
        if rule not in known:
            continue
        response = page.goto(live_server.url + path.format(code=code))
        assert response.status < 400, (path, response.status)
        page.wait_for_load_state("networkidle")
        visited += 1
    assert visited >= 8
    assert violations == []


def test_injected_inline_script_is_blocked_and_cookie_is_http_only(
    browser, module_browser_login, module_live_server
):
    live_server = module_live_server
    page = module_browser_login(browser, "viewer")
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(live_server.url + "/projects")
    # Script injected into the DOM without the page's nonce (what an XSS would do) does not run.
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__pwned = 1'; document.body.appendChild(s); }"""
    )
    assert page.evaluate("() => window.__pwned === undefined")
    # ... and the browser reports it the way the page walk above listens for.
    assert any("Content Security Policy" in m for m in messages)
    assert "session=" not in page.evaluate("() => document.cookie")
