"""Benchmark of the map: the portfolio map page with 10,000 located projects (server render time and
HTML size), the GeoJSON API, and the time until the map is usable in Chromium (all markers clustered).

Run: .venv/bin/python scripts/benchmarks/maps.py   (or through scripts/bench).
BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL (the schema is dropped!).
The browser part needs /usr/bin/chromium (or CHROMIUM=...); it is reported as skipped without it."""

import os
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

import tracker.models  # noqa: E402, F401
from tracker import clock, create_app, extend, migrate  # noqa: E402
from tracker.accounts.services import create_user  # noqa: E402
from tracker.audit.services import Actor  # noqa: E402
from tracker.clock import now_utc  # noqa: E402
from tracker.milestones.summary import health_for  # noqa: E402
from tracker.projects.models import STAGES, Project  # noqa: E402

TODAY = date(2026, 6, 1)
PROJECTS = 10_000
PASSWORD = "benchmark-pass"
SUBDISTRICTS = ["灵芝街道", "斗门街道", "东湖街道", "北海街道", "府山街道", "迪荡街道", "马山街道"]
PRECISIONS = ["site", "road", "subdistrict", "subdistrict"]


def row(name, value, unit, target) -> dict:
    return {"benchmark": name, "value": round(value, 3), "unit": unit, "target": target}


def synthetic_projects(count: int) -> list[dict]:
    stamp = now_utc()
    return [
        {
            "code": f"MAP-{i:05d}",
            "name": f"越城区第{i}号学校新建工程（暂名）",
            "stage": STAGES[i % 8],
            "province": "浙江省",
            "city": "绍兴市",
            "district": "越城区",
            "subdistrict": SUBDISTRICTS[i % len(SUBDISTRICTS)],
            "period_text": f"{2022 + i % 5}-{2024 + i % 5}",
            "start_year": 2022 + i % 5,
            "end_year": 2024 + i % 5,
            "classes_total": 12 + i % 36,
            "classes_added": 12 + i % 36,
            "total_investment_fen": (1 + i % 40) * 10**9,
            "window_investment_fen": (1 + i % 40) * 10**9,
            "lat": 29.93 + (i * 7919 % 10007) / 10007 * 0.2,
            "lon": 120.52 + (i * 104729 % 10009) / 10009 * 0.24,
            "location_precision": PRECISIONS[i % len(PRECISIONS)],
            "status": "在建",
            "created_at": stamp,
            "updated_at": stamp,
        }
        for i in range(1, count + 1)
    ]


def build_portfolio(app, session: Session) -> None:
    session.execute(insert(Project), synthetic_projects(PROJECTS))
    ids = list(session.scalars(select(Project.id)))
    with app.app_context():
        extend.projects_created(session, ids, TODAY)  # milestones, so health is real work
    create_user(
        session, actor=Actor(None, "bench"), username="bench", password=PASSWORD, role="leader"
    )
    session.commit()


def login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "username": "bench", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code


def server_side(app, results: list) -> None:
    client = app.test_client()
    login(client)
    client.get("/maps")  # warm-up (templates, imports)
    times, size = [], 0
    for _ in range(7):
        began = time.perf_counter()
        response = client.get("/maps")
        body = response.get_data()
        times.append(time.perf_counter() - began)
        assert response.status_code == 200
        size = len(body)
    count = len(re.findall(r'\["MAP-\d{5}"', body.decode()))
    assert count == PROJECTS, count
    results.append(
        row(
            f"maps: /maps server render, {PROJECTS:,} projects (median of 7)",
            statistics.median(times),
            "s",
            "< 1",
        )
    )
    results.append(row(f"maps: /maps HTML size, {PROJECTS:,} projects", size / 1e6, "MB", "< 2"))
    # The render includes the schedule domain's health_for(); time it alone to show the split.
    with app.app_context(), Session(app.extensions["engine"]) as session:
        ids = list(session.scalars(select(Project.id)))
        began = time.perf_counter()
        health_for(session, ids, TODAY)
        seconds = time.perf_counter() - began
    results.append(
        row("maps: of which milestones.health_for() for 10,000 projects", seconds, "s", "(info)")
    )
    began = time.perf_counter()
    response = client.get("/api/projects.geojson")
    seconds = time.perf_counter() - began
    assert response.status_code == 200 and len(response.get_json()["features"]) == PROJECTS
    results.append(
        row(f"maps: /api/projects.geojson, {PROJECTS:,} projects", seconds, "s", "(info)")
    )


def browser_side(app, results: list) -> None:
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        results.append(row("maps: usable in Chromium (skipped: no Chromium)", 0, "s", "< 3"))
        return
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "bench")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            outside = []
            page.on(
                "request",
                lambda r: (
                    r.url.startswith(base) or r.url.startswith("data:") or outside.append(r.url)
                ),
            )
            times, client = [], []
            for _ in range(3):
                began = time.perf_counter()
                page.goto(f"{base}/maps")
                page.wait_for_selector(".tm-map.tm-ready", timeout=30_000)
                times.append(time.perf_counter() - began)
                # browser-side share: from the end of the HTML response to all markers clustered
                client.append(
                    page.evaluate(
                        "TrackerMap.state.readyAt - performance.getEntriesByType('navigation')[0].responseEnd"
                    )
                    / 1000
                )
            clustered = page.evaluate("TrackerMap.state.cluster.getLayers().length")
            assert clustered == PROJECTS, clustered
            assert not outside, outside[:3]
            browser.close()
    finally:
        server.shutdown()
    results.append(
        row(
            f"maps: usable in Chromium (load → {PROJECTS:,} markers clustered, median of 3)",
            statistics.median(times),
            "s",
            "< 3",
        )
    )
    results.append(
        row(
            "maps: of which in the browser (HTML received → markers clustered)",
            statistics.median(client),
            "s",
            "(info)",
        )
    )


def run(results: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        if url.startswith("postgresql"):
            from tracker.db import make_engine

            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
            engine.dispose()
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "benchmark-only-" + "x" * 40,
                "MAP_BASEMAP": "none",  # no tiles: nothing may leave the machine
            }
        )
        SQLModel.metadata.create_all(app.extensions["engine"])  # tables of unmerged branches
        engine = app.extensions["engine"]
        with Session(engine) as session:
            build_portfolio(app, session)
        clock.today = lambda: TODAY
        server_side(app, results)
        browser_side(app, results)
        engine.dispose()


if __name__ == "__main__":
    out: list = []
    run(out)
    for r in out:
        print(f"{r['benchmark']}: {r['value']} {r['unit']} (target {r['target']})")
