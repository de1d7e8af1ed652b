"""Benchmark of the finance domain at 10,000 projects × 10 years (100,000 yearly rows, ~25,000
funding rows): p95 of every pivot (the query and the JSON API), the 投资 page, and the XLSX/CSV
export of the largest pivot (one row per project).

Run: .venv/bin/python scripts/benchmarks/finance.py   (or through scripts/bench).
BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL (the schema is dropped!)."""

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import tracker.models  # noqa: E402, F401
from tracker import create_app, migrate  # noqa: E402
from tracker.accounts.services import create_user  # noqa: E402
from tracker.audit.services import Actor  # noqa: E402
from tracker.clock import now_utc  # noqa: E402
from tracker.finance import pivots  # noqa: E402
from tracker.finance.models import FUNDING_SOURCES, FundingSource, InvestmentYear  # noqa: E402
from tracker.projects.filters import ProjectFilter  # noqa: E402
from tracker.projects.models import STAGES, Project  # noqa: E402

PROJECTS = 10_000
YEARS = 10
RUNS = 20
NAMED_PIVOTS = ["year", "subdistrict", "builder", "stage", "government", "source"]
SUBDISTRICTS = ["灵芝街道", "斗门街道", "东湖街道", "北海街道", "府山街道", "迪荡街道", "马山街道"]
BUILDERS = ["镜湖开发办", "迪荡新城投资有限公司", "市交投集团", "滨海发展集团", "区教育体育局"]


def row(name, value, unit, target) -> dict:
    return {"benchmark": name, "value": round(value, 3), "unit": unit, "target": target}


def build_portfolio(session: Session) -> None:
    stamp = now_utc()
    session.execute(
        insert(Project),
        [
            {
                "code": f"FIN-{i:05d}",
                "name": f"第{i}学校（暂名）",
                "stage": STAGES[i % len(STAGES)],
                "subdistrict": SUBDISTRICTS[i % len(SUBDISTRICTS)],
                "builder": BUILDERS[i % len(BUILDERS)],
                "is_government": i % 4 != 0,
                "period_text": "2018-2027",
                "start_year": 2018,
                "end_year": 2027,
                "total_investment_fen": 10**10 + i * 123_457,
                "window_investment_fen": 6 * 10**9 + i * 7_001,
                "status": "在建",
                "created_at": stamp,
                "updated_at": stamp,
            }
            for i in range(1, PROJECTS + 1)
        ],
    )
    ids = list(session.scalars(select(Project.id)))
    totals = dict(session.execute(select(Project.id, Project.total_investment_fen)).all())
    session.execute(
        insert(InvestmentYear),
        [
            {
                "project_id": pid,
                "year": 2018 + k,
                # every 100th project plans more than its 总投资 (flagged on the page)
                "planned_fen": 10**9 + pid * 101 + k + (10**9 if pid % 100 == 0 and k == 0 else 0),
                "completed_fen": None if k > 7 else 9 * 10**8 + pid * 99 + k,
            }
            for pid in ids
            for k in range(YEARS)
        ],
    )
    session.execute(insert(FundingSource), list(funding_rows(ids, totals)))
    session.commit()


def funding_rows(ids, totals):
    """1–4 sources per project summing to its 总投资; every 50th project is one fen off."""
    for pid in ids:
        count = 1 + pid % 4
        rest = totals[pid] + (1 if pid % 50 == 0 else 0)
        for j in range(count):
            amount = rest if j == count - 1 else 10**9
            rest -= amount
            source = FUNDING_SOURCES[(pid + j) % len(FUNDING_SOURCES)]
            yield {"project_id": pid, "source": source, "amount_fen": amount, "note": ""}


def p95_ms(func) -> float:
    func()  # warm-up
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return statistics.quantiles(times, n=20)[-1] * 1000


def login(app, session) -> object:
    create_user(
        session,
        actor=Actor(None, "bench"),
        username="bench",
        password="benchmark-pass",
        role="finance",
    )
    session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "username": "bench", "password": "benchmark-pass"}
    )
    assert response.status_code == 302, response.status_code
    return client


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
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only-" + "x" * 40})
        SQLModel.metadata.create_all(app.extensions["engine"])  # tables of unmerged branches
        engine = app.extensions["engine"]
        with Session(engine) as session:
            build_portfolio(session)
            assert session.scalar(text("SELECT COUNT(*) FROM investment_year")) == PROJECTS * YEARS
            everything = ProjectFilter()
            for by in NAMED_PIVOTS:
                assert pivots.pivot(session, by, everything).rows
                ms = p95_ms(lambda by=by: pivots.pivot(session, by, everything))
                label = f"finance: pivot by {by} ({PROJECTS:,} × {YEARS}) p95"
                results.append(row(label, ms, "ms", "< 300"))
            ms = p95_ms(lambda: pivots.project_pivot(session, everything, limit=50))
            results.append(row("finance: per-project table, one page of 50 p95", ms, "ms", "< 300"))
            ms = p95_ms(lambda: pivots.project_pivot(session, everything))
            results.append(
                row(f"finance: per-project table, all {PROJECTS:,} rows p95", ms, "ms", "info")
            )
            client = login(app, session)
        for by in NAMED_PIVOTS:
            ms = p95_ms(lambda by=by: client.get(f"/api/finance/summary?by={by}"))
            assert client.get(f"/api/finance/summary?by={by}").status_code == 200
            results.append(row(f"finance: GET /api/finance/summary?by={by} p95", ms, "ms", "< 300"))
        ms = p95_ms(lambda: client.get("/finance?by=subdistrict"))
        results.append(row("finance: 投资 page (pivot, coverage, flags) p95", ms, "ms", "info"))
        ms = p95_ms(lambda: client.get("/finance/chart/year.svg"))
        results.append(row("finance: year chart (SVG) p95", ms, "ms", "info"))
        # XLSX: the one workbook (every pivot, the window check, 明细 of 100,000 project-years);
        # CSV: the per-project pivot alone (10,000 rows). Wall and CPU time (steadier when shared).
        for fmt, what, target in (
            ("xlsx", f"workbook (8 sheets + 明细 {PROJECTS * YEARS:,} rows)", "info"),
            ("csv", f"by project ({PROJECTS:,} rows)", "< 2"),
        ):
            began, cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/finance/export.{fmt}?by=project&unit=万元")
            seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
            assert response.status_code == 200 and len(response.data) > 100_000
            label = f"finance: export {what} as {fmt.upper()}"
            results.append(row(f"{label} (wall)", seconds, "s", target))
            results.append(row(f"{label} (CPU)", cpu, "s", target))
        engine.dispose()


if __name__ == "__main__":
    out: list = []
    run(out)
    for r in out:
        print(f"{r['benchmark']}: {r['value']} {r['unit']} (target {r['target']})")
