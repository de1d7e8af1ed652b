"""Benchmark of the PDF briefs: one project's brief, and the portfolio brief of 1,000 and 10,000
synthetic projects (data gathering + rendering), with the process's peak memory.

Run: .venv/bin/python scripts/benchmarks/briefs.py   (or through scripts/bench)."""

import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert, select  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import tracker.models  # noqa: E402, F401
from tracker import create_app, extend, migrate  # noqa: E402
from tracker.briefs import services  # noqa: E402
from tracker.briefs.fonts import brief_font  # noqa: E402
from tracker.briefs.render_portfolio import render_portfolio_brief  # noqa: E402
from tracker.briefs.render_project import render_project_brief  # noqa: E402
from tracker.clock import now_utc  # noqa: E402
from tracker.config import settings as configured  # noqa: E402
from tracker.projects.filters import ProjectFilter  # noqa: E402
from tracker.projects.models import Project  # noqa: E402

TODAY = date(2026, 6, 1)
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
STAGES = [("小学", 24), ("初中", 30), ("幼儿园", 9), ("九年一贯制", 36), ("普通高中", 48)]


def synthetic_rows(start: int, count: int) -> list[dict]:
    rows, stamp = [], now_utc()
    for i in range(start, start + count):
        stage, classes = STAGES[i % len(STAGES)]
        first = 2019 + i % 6
        total = (5_000 + (i * 7919) % 40_000) * 10**6  # 0.5–4.5 亿元 in fen
        rows.append(
            {
                "code": f"BM-{i:05d}",
                "name": f"绍兴市越城区第{i}{stage}（暂名）新建工程",
                "stage": stage,
                "nature": "新建" if i % 4 else "改扩建",
                "ownership": "公办",
                "province": "浙江省",
                "city": "绍兴市",
                "district": "越城区",
                "subdistrict": SUBDISTRICTS[i % len(SUBDISTRICTS)],
                "site_text": "松陵路以北，湖滨路以南，袍中路以西",
                "period_text": f"{first}-{first + 3}",
                "start_year": first,
                "end_year": first + 3,
                "classes_total": classes if i % 17 else None,
                "classes_added": classes if i % 17 else None,
                "content_text": f"{classes}班，用地面积30000平米，建筑面积25000平米。",
                "total_investment_fen": total,
                "window_investment_fen": total * 3 // 4,
                "builder": BUILDERS[i % len(BUILDERS)],
                "lat": 30.0 + (i % 100) / 1000,
                "lon": 120.5 + (i % 100) / 1000,
                "location_precision": "subdistrict",
                "status": "在建",
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    return rows


def add_projects(app, session: Session, start: int, count: int) -> None:
    session.execute(insert(Project), synthetic_rows(start, count))
    ids = list(session.scalars(select(Project.id).where(Project.code >= f"BM-{start:05d}")))
    with app.app_context():
        extend.projects_created(session, ids, TODAY)  # e.g. lay out milestones, as an import does
    session.commit()


def timed(func, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def run(results: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only-" + "x" * 40})
        SQLModel.metadata.create_all(app.extensions["engine"])  # tables of unmerged branches
        settings = services.BriefSettings.from_settings(configured(app))
        font = brief_font(settings.font_path)
        with Session(app.extensions["engine"]) as session, app.app_context():
            add_projects(app, session, 1, 1_000)
            project = session.exec(select(Project).where(Project.code == "BM-00007")).scalar_one()

            def project_brief():
                data = services.project_brief(session, project, today=TODAY, settings=settings)
                return render_project_brief(data, font, author=settings.author)

            def portfolio():
                data = services.portfolio_brief(
                    session, ProjectFilter(), today=TODAY, settings=settings
                )
                return render_portfolio_brief(data, font, author=settings.author)

            project_brief()  # warm-up: font subsetting tables, imports
            seconds, _ = timed(project_brief, repeat=20)
            results.append(row("briefs: project brief", seconds * 1000, "ms", "< 300"))
            seconds, pdf = timed(portfolio)
            results.append(row("briefs: portfolio 1,000 projects", seconds, "s", "< 5"))
            add_projects(app, session, 1_001, 9_000)
            seconds, pdf = timed(portfolio)
            results.append(row("briefs: portfolio 10,000 projects", seconds, "s", "< 30"))
            results.append(row("briefs: portfolio 10,000 PDF size", len(pdf) / 2**20, "MB", "-"))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        results.append(row("briefs: peak memory (RSS)", peak, "MB", "< 500"))
        app.extensions["engine"].dispose()


def row(name: str, value: float, unit: str, target: str) -> dict:
    return {"benchmark": name, "value": round(value, 2), "unit": unit, "target": target}


if __name__ == "__main__":
    found: list[dict] = []
    run(found)
    for item in found:
        print(
            f"{item['benchmark']:<40} {item['value']:>10} {item['unit']:<3} (target {item['target']})"
        )
