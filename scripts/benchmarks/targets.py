"""Benchmark of the targets domain: evaluating every seed target against 10,000 projects spread
over the seed jurisdictions, and the 规划目标 page / GET /api/targets p95 at that size.

Run: .venv/bin/python scripts/benchmarks/targets.py   (or through scripts/bench).
BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL (the schema is dropped!)."""

import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import tracker.models  # noqa: E402, F401
from tracker import clock, create_app, migrate  # noqa: E402
from tracker.accounts.services import create_user  # noqa: E402
from tracker.audit.services import Actor  # noqa: E402
from tracker.clock import now_utc  # noqa: E402
from tracker.projects.filters import ProjectFilter  # noqa: E402
from tracker.projects.models import Project  # noqa: E402
from tracker.targets import services  # noqa: E402
from tracker.targets.loader import (  # noqa: E402
    JURISDICTIONS_FILE,
    TARGETS_FILE,
    load_jurisdictions,
    load_targets,
)
from tracker.targets.summary import brief_rows  # noqa: E402

TODAY = date(2024, 6, 30)
PROJECTS = 10_000
PLACES = [
    ("浙江省", "绍兴市", "越城区"),
    ("江苏省", "连云港市", "连云区"),
    ("江苏省", "常州市", "溧阳市"),
    ("江苏省", "常州市", "新北区"),
    ("江苏省", "常州市", "市本级"),
    ("江苏省", "泰州市", "海陵区"),
    ("广东省", "清远市", "连州市"),
]
STAGES = ["幼儿园", "小学", "初中", "九年一贯制", "普通高中", "中职", "特殊教育学校"]
STATUSES = ["列入规划", "前期", "在建", "竣工", "交付使用", "暂缓"]


def row(name, value, unit, target) -> dict:
    return {"benchmark": name, "value": round(value, 3), "unit": unit, "target": target}


def synthetic_projects(count: int) -> list[dict]:
    stamp = now_utc()
    result = []
    for i in range(1, count + 1):
        province, city, district = PLACES[i % len(PLACES)]
        result.append(
            {
                "code": f"TG-{i:05d}",
                "name": f"第{i}学校（暂名）",
                "stage": STAGES[i % len(STAGES)],
                "nature": "新建" if i % 4 else "改扩建",
                "province": province,
                "city": city,
                "district": district,
                "period_text": "2022-2025",
                "start_year": 2022,
                "end_year": 2025,
                "classes_total": 12 + i % 24,
                "classes_added": 12 + i % 24,
                "total_investment_fen": 10**10,
                "window_investment_fen": 10**10,
                "status": STATUSES[i % len(STATUSES)],
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    return result


def timed(func) -> tuple[float, object]:
    began = time.perf_counter()
    result = func()
    return time.perf_counter() - began, result


def p95(client, url: str, times: int = 40) -> float:
    for _ in range(3):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - began)
        assert response.status_code == 200
    return statistics.quantiles(samples, n=20)[-1] * 1000


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
        actor = Actor(None, "bench")
        with Session(engine) as session:
            session.execute(insert(Project), synthetic_projects(PROJECTS))
            load_jurisdictions(session, JURISDICTIONS_FILE.read_text(encoding="utf-8"))
            seconds, outcome = timed(
                lambda: load_targets(
                    session, actor=actor, text=TARGETS_FILE.read_text(encoding="utf-8")
                )
            )
            assert outcome.ok, outcome.errors
            session.commit()
            results.append(row("targets: load 32 seed targets", seconds * 1000, "ms", "< 500"))
            with app.app_context():
                sizes = app.config["CLASS_SIZES"]
                seconds, views = timed(
                    lambda: services.evaluate(session, today=TODAY, class_sizes=sizes)
                )
                assert len(services.flatten(views)) == 32
                results.append(
                    row(
                        f"targets: evaluate all 32 targets over {PROJECTS:,} projects",
                        seconds * 1000,
                        "ms",
                        "< 1000",
                    )
                )
                seconds, rows = timed(
                    lambda: brief_rows(session, ProjectFilter(jurisdiction="江苏省/常州市"), TODAY)
                )
                assert len(rows) == 11
                results.append(
                    row("targets: brief_rows for one city", seconds * 1000, "ms", "< 1000")
                )
            create_user(
                session, actor=actor, username="bench", password="benchmark-pass", role="leader"
            )
            session.commit()
        clock.today = lambda: TODAY
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', login).group(1)
        response = client.post(
            "/login", data={"csrf_token": token, "username": "bench", "password": "benchmark-pass"}
        )
        assert response.status_code == 302
        results.append(
            row(
                f"targets: 规划目标 page p95 at {PROJECTS:,} projects",
                p95(client, "/targets"),
                "ms",
                "< 1000",
            )
        )
        results.append(
            row(
                f"targets: GET /api/targets p95 at {PROJECTS:,} projects",
                p95(client, "/api/targets"),
                "ms",
                "< 1000",
            )
        )
        results.append(
            row(
                f"targets: 规划目标 page for one city (常州市) p95 at {PROJECTS:,} projects",
                p95(client, "/targets?jurisdiction=江苏省/常州市"),
                "ms",
                "< 500",
            )
        )
        engine.dispose()


if __name__ == "__main__":
    out: list = []
    run(out)
    for r in out:
        print(f"{r['benchmark']}: {r['value']} {r['unit']} (target {r['target']})")
