"""Benchmark of the schedule domain: the daily overdue scan over 10,000 projects × 10 milestones
(first run, which opens the alerts, and a repeat run, which must change nothing), and the 预警
page's p95 response time at 10,000 projects.

Run: .venv/bin/python scripts/benchmarks/milestones.py   (or through scripts/bench).
BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL (the schema is dropped!)."""

import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert, select, text, update  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import tracker.models  # noqa: E402, F401
from tracker import clock, create_app, extend, migrate  # noqa: E402
from tracker.accounts.services import create_user  # noqa: E402
from tracker.alerts import services as alerts  # noqa: E402
from tracker.audit.services import Actor  # noqa: E402
from tracker.clock import now_utc  # noqa: E402
from tracker.milestones.models import Milestone  # noqa: E402
from tracker.projects.models import Project  # noqa: E402

TODAY = date(2026, 6, 1)
PROJECTS = 10_000
SUBDISTRICTS = [
    "灵芝街道",
    "斗门街道",
    "东湖街道",
    "北海街道",
    "府山街道",
    "迪荡街道",
    "马山街道",
    "孙端街道",
]
BUILDERS = ["镜湖开发办", "迪荡新城投资有限公司", "市交投集团", "滨海发展集团", "区教育体育局"]


def row(name, value, unit, target) -> dict:
    return {"benchmark": name, "value": round(value, 3), "unit": unit, "target": target}


def synthetic_projects(count: int) -> list[dict]:
    stamp = now_utc()
    return [
        {
            "code": f"MS-{i:05d}",
            "name": f"第{i}小学（暂名）新建工程",
            "stage": "小学",
            "subdistrict": SUBDISTRICTS[i % len(SUBDISTRICTS)],
            "builder": BUILDERS[i % len(BUILDERS)],
            "period_text": f"{2022 + i % 6}-{2024 + i % 6}",
            "start_year": 2022 + i % 6,
            "end_year": 2024 + i % 6,
            "total_investment_fen": 10**10,
            "window_investment_fen": 10**10,
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
        extend.projects_created(session, ids, TODAY)  # lays out 10 milestones each
    # A realistic mix: most past milestones done on time, some late, some with forecasts.
    rows = session.execute(select(Milestone.id, Milestone.planned_on, Milestone.project_id)).all()
    done, forecast = [], []
    for m in rows:
        if m.planned_on and m.planned_on < TODAY and m.project_id % 3:
            done.append({"id": m.id, "actual_on": m.planned_on + timedelta(days=m.id % 20)})
        elif m.planned_on and m.project_id % 7 == 0:
            forecast.append({"id": m.id, "forecast_on": m.planned_on + timedelta(days=60)})
    session.execute(update(Milestone), [d for d in done if d["actual_on"] <= TODAY])
    session.execute(update(Milestone), forecast)
    session.commit()


def timed(func) -> tuple[float, object]:
    began, cpu = time.perf_counter(), time.process_time()
    result = func()
    elapsed = time.perf_counter() - began
    print(f"  ({func.__name__}: {elapsed:.2f} s wall, {time.process_time() - cpu:.2f} s CPU)")
    return elapsed, result


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
            build_portfolio(app, session)
            n_milestones = session.scalar(text("SELECT COUNT(*) FROM milestone"))
            with app.app_context():
                seconds, first = timed(lambda: alerts.scan(session, TODAY))
                session.commit()
                results.append(
                    row(
                        f"milestones: daily scan {PROJECTS:,} projects × 10 (first run, {first.opened:,} alerts opened)",
                        seconds,
                        "s",
                        "< 3",
                    )
                )
                seconds, again = timed(lambda: alerts.scan(session, TODAY))
                session.commit()
                assert (again.opened, again.updated, again.closed) == (0, 0, 0), again
                results.append(
                    row(
                        f"milestones: daily scan {PROJECTS:,} projects (repeat, no changes)",
                        seconds,
                        "s",
                        "< 3",
                    )
                )
                assert n_milestones == PROJECTS * 10
            user = create_user(
                session,
                actor=Actor(None, "bench"),
                username="bench",
                password="benchmark-pass",
                role="leader",
            )
            session.commit()
            assert user.id
        clock.today = lambda: TODAY
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', login).group(1)
        response = client.post(
            "/login", data={"csrf_token": token, "username": "bench", "password": "benchmark-pass"}
        )
        assert response.status_code == 302, response.status_code
        for _ in range(3):
            warm = client.get("/alerts")  # warm-up
            assert warm.status_code == 200, (warm.status_code, warm.headers.get("Location"))
        times = []
        for page in range(1, 61):
            began = time.perf_counter()
            response = client.get(f"/alerts?page={page % 20 + 1}")
            times.append(time.perf_counter() - began)
            assert response.status_code == 200
        p95 = statistics.quantiles(times, n=20)[-1] * 1000
        results.append(
            row(f"milestones: 预警 page p95 at {PROJECTS:,} projects", p95, "ms", "< 200")
        )
        engine.dispose()


if __name__ == "__main__":
    out: list = []
    run(out)
    for r in out:
        print(f"{r['benchmark']}: {r['value']} {r['unit']} (target {r['target']})")
