"""Shared pieces of the benchmarks: a throw-away app on a file SQLite database, a synthetic
portfolio with the variety of the real one, and timing/memory helpers.

A benchmark module (scripts/benchmarks/<domain>.py) defines `run(results: list)` and appends rows
made with `row(...)`; scripts/bench runs each module in its own process."""

import csv
import io
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlmodel import Session, SQLModel

import tracker.models  # noqa: F401  (every table)
from tracker import create_app, extend, migrate
from tracker.clock import now_utc
from tracker.projects.models import Project

TODAY = date(2026, 6, 1)
PASSWORD = "benchmark-password-123"
SUBDISTRICTS = [
    "稽山街道", "迪荡街道", "斗门街道", "灵芝街道", "北海街道", "城南街道", "马山街道", "府山街道",
    "富盛镇", "东湖街道", "陶堰街道", "东浦街道", "沥海街道", "皋埠街道", "孙端街道", "鉴湖街道",
]  # fmt: skip
BUILDERS = [
    "镜湖开发办", "迪荡新城投资有限公司", "市交投集团", "滨海发展集团", "区教育体育局",
    "袍江开发区管委会", "鲁迅小学", "北海小学", "越城区城投集团", "上海市虹桥外籍人员子女学校等",
]  # fmt: skip
# 学段, typical class counts, 总投资 per class in 万元 (low, high), name suffix
STAGES = [
    ("小学", (24, 30, 36, 42, 48), (400, 900), "小学"),
    ("初中", (24, 30, 36, 42, 48), (550, 1100), "中学"),
    ("幼儿园", (9, 12, 15, 18), (180, 350), "幼儿园"),
    ("九年一贯制", (27, 36, 45, 54), (450, 950), "学校"),
    ("普通高中", (36, 48, 60), (700, 1300), "高级中学"),
    ("中职", (24, 36), (600, 1000), "职业技术学校"),
    ("特殊教育学校", (9, 12, 18), (300, 600), "特殊教育学校"),
]
STAGE_WEIGHTS = [45, 20, 18, 7, 5, 3, 2]
NATURES = ["新建"] * 6 + ["改扩建", "扩建", "易地新建", "迁建", "重建", "提质改造"]
STATUSES = ["列入规划", "前期", "在建", "在建", "竣工", "交付使用", "暂缓"]
PLACES = [
    "城东",
    "城西",
    "镜湖",
    "袍江",
    "滨海",
    "梅山",
    "鉴湖",
    "柯岩",
    "兰亭",
    "稽山",
    "曹娥",
    "南池",
]


def synthetic_projects(count: int, *, start: int = 1, seed: int = 2022) -> list[dict]:
    """`count` plausible projects (codes BM-000001 …): mixed 学段/街道/builders/years, amounts
    with cents, some without class counts, some mixed schools and declared seats."""
    rng = random.Random(seed + start)
    stamp = now_utc()
    rows = []
    for i in range(start, start + count):
        stage, class_options, per_class, suffix = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        classes = rng.choice(class_options)
        first = rng.randint(2018, 2029)
        last = first + rng.randint(0, 3)
        total_fen = classes * rng.randint(*per_class) * 10**6 + rng.randint(0, 99_999_999)
        before = max(0, 2021 - first) / (last - first + 1)
        after = max(0, last - 2025) / (last - first + 1)
        window_fen = int(total_fen * max(0.0, 1 - before - after))
        nature = rng.choice(NATURES)
        expansion = nature in ("扩建", "改扩建")
        added = rng.choice((6, 12)) if expansion else classes
        no_classes = rng.random() < 0.06
        place = rng.choice(PLACES)
        name = f"{place}第{i}{suffix}" + ("（暂名）" if rng.random() < 0.4 else "")
        if nature != "新建":
            name += nature
        row = {
            "code": f"BM-{i:06d}",
            "name": name,
            "stage": stage,
            "nature": nature,
            "ownership": "民办" if rng.random() < 0.05 else "公办",
            "province": "浙江省",
            "city": "绍兴市",
            "district": "越城区",
            "subdistrict": rng.choice(SUBDISTRICTS),
            "site_text": f"{place}路以北，规划{i % 9 + 1}号路以西" if rng.random() < 0.5 else "",
            "lat": round(29.95 + rng.random() * 0.2, 5),
            "lon": round(120.50 + rng.random() * 0.2, 5),
            "location_precision": rng.choice(("subdistrict", "subdistrict", "road", "site")),
            "location_source": "合成数据",
            "period_text": f"{first}-{last}",
            "start_year": first,
            "end_year": last,
            "classes_total": None if no_classes else classes,
            "classes_added": None if no_classes else added,
            "sections_text": "小学段:24;初中段:12" if stage == "九年一贯制" and i % 3 == 0 else "",
            "land_area_m2": None if no_classes else Decimal(classes * rng.randint(700, 1300)),
            "floor_area_m2": None if no_classes else Decimal(classes * rng.randint(600, 1100)),
            "content_text": f"{classes}班，用地面积约{classes * 1000}平米。",
            "total_investment_fen": total_fen,
            "window_investment_fen": window_fen,
            "total_investment_text": "",
            "window_investment_text": "",
            "builder": rng.choice(BUILDERS),
            "is_government": rng.random() < 0.92,
            "declared_seats": classes * 50 if rng.random() < 0.03 else None,
            "status": rng.choice(STATUSES),
            "source_doc": "合成数据",
            "archived": rng.random() < 0.02,
            "created_at": stamp,
            "updated_at": stamp,
        }
        rows.append(row)
    return rows


def portfolio_csv(projects: list[dict]) -> bytes:
    """The projects as a CSV in the tracker's export columns (UTF-8 with BOM)."""
    from tracker.dataio.exporter import to_csv

    return to_csv([_AsProject(p) for p in projects])


class _AsProject:
    """A dict seen as a Project by the exporter (amount text derived from fen)."""

    def __init__(self, values: dict):
        self.__dict__.update(Project(**values).model_dump())


@dataclass
class BenchApp:
    app: object
    url: str
    folder: Path

    @property
    def engine(self):
        return self.app.extensions["engine"]

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def client(self, role: str = "admin"):
        """A logged-in test client."""
        from tracker.accounts.services import create_user
        from tracker.audit.services import SYSTEM

        username = f"bench-{role}"
        with self.session() as session:
            from tracker.accounts.models import User

            if session.exec(select(User).where(User.username == username)).first() is None:
                create_user(session, actor=SYSTEM, username=username, password=PASSWORD, role=role)
                session.commit()
        client = self.app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        return client


@contextmanager
def bench_app(**config) -> Iterator[BenchApp]:
    """A fresh app on a file SQLite database in a temporary folder (CSRF off for speed)."""
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        settings = {
            "DATABASE_URL": url,
            "SECRET_KEY": "benchmark-only-secret-" + "x" * 40,
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        } | config
        app = create_app(settings)
        app.instance_path = folder
        # Tables of branches not merged into the migrations yet (harmless when all are merged).
        SQLModel.metadata.create_all(app.extensions["engine"])
        try:
            yield BenchApp(app, url, Path(folder))
        finally:
            app.extensions["engine"].dispose()


def insert_projects(bench: BenchApp, projects: list[dict], *, hooks: bool = True) -> None:
    """Insert in bulk (fast), then run the created-projects hooks as an import would."""
    with bench.session() as session:
        for chunk in range(0, len(projects), 2000):
            session.execute(insert(Project), projects[chunk : chunk + 2000])
        if hooks:
            codes = [p["code"] for p in projects]
            ids = list(session.scalars(select(Project.id).where(Project.code.in_(codes))))
            with bench.app.app_context():
                extend.projects_created(session, ids, TODAY)
        session.commit()


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    runs: int


def measure(func: Callable[[], object], *, repeat: int = 30, warmup: int = 3) -> Timing:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return Timing(statistics.median(times), p95, repeat)


def get_ok(client, url: str) -> Callable[[], object]:
    """A request that must succeed, for measure()."""

    def call():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        response.get_data()
        return response

    return call


@contextmanager
def traced_peak() -> Iterator[dict]:
    """Peak Python allocation (tracemalloc) inside the block, in MB, as result['peak_mb']."""
    result: dict = {}
    tracemalloc.start()
    try:
        yield result
    finally:
        result["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()


def process_peak_rss_mb() -> float:
    """The whole process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(name: str, value: float, unit: str, target: str = "-", **extra) -> dict:
    """One result line; `target` like "< 150" makes the runner mark it met or missed."""
    return {"benchmark": name, "value": round(value, 2), "unit": unit, "target": target} | extra


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
