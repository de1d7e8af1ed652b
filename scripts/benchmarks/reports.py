"""Benchmark of the monthly reports at 10,000 projects × 24 months of accepted reports (240,000
report rows, 24 sealed snapshots of 10,000 rows): the 调度表 page p95 (sealed and live), its XLSX
export, the as-of view p95, sealing one month, and a 10 MB phone photo checked and stored with
its display copy and thumbnail; the photo storage of a report. Run: scripts/bench reports."""

import io
import random
import tempfile
import time
from pathlib import Path

from PIL import Image
from sqlalchemy import insert, select
from sqlmodel import Session

from scripts.benchmarks.common import (
    TODAY,
    bench_app,
    get_ok,
    insert_projects,
    measure,
    row,
    synthetic_projects,
)
from tracker import clock
from tracker.audit import SYSTEM
from tracker.clock import now_utc
from tracker.finance.models import InvestmentYear
from tracker.projects.models import Project
from tracker.reports import logic, photos, snapshots
from tracker.reports.models import MonthlyReport

PROJECTS = 10_000
MONTHS = 24
LAST = logic.shift(logic.period_of(TODAY), -1)  # 2026-05
PERIODS = logic.months_between(logic.shift(LAST, -(MONTHS - 1)), LAST)


def fill_reports(bench) -> None:
    rng = random.Random(15)
    stamp = now_utc()
    with bench.session() as session:
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        session.execute(
            insert(InvestmentYear),
            [{"project_id": pid, "year": TODAY.year, "planned_fen": 5 * 10**10} for pid in ids],
        )
        for index, period in enumerate(PERIODS):
            rows = []
            for pid in ids:
                coordinate = pid % 97 == index % 97
                rows.append(
                    {
                        "project_id": pid, "period": period, "revision": 1, "current": True,
                        "status": "accepted", "progress_text": f"主体结构施工，完成第 {index + 1} 阶段",
                        "progress_percent": min(100, 4 * (index + 1)), "percent_reason": "",
                        "stage_now": "开工", "stage_reached": "", "stage_reached_on": None,
                        "month_completed_fen": rng.randint(10**8, 10**9),
                        "cumulative_fen": (index + 1) * 5 * 10**8,
                        "problems": "雨季影响土方外运，钢筋进场延迟" if pid % 5 == 0 else "",
                        "next_steps": "完成下一层结构施工，推进室外配套",
                        "coordination": "需协调电力迁改和道路开口" if coordinate else "",
                        "needs_coordination": coordinate, "review_comment": "",
                        "filed_by": "bench", "reviewed_by": "bench", "version": 3,
                        "created_at": stamp, "updated_at": stamp,
                    }
                )  # fmt: skip
            session.execute(insert(MonthlyReport), rows)
        session.commit()


def seal_all(bench) -> float:
    """Seal every month but the last; returns the seconds the first seal took."""
    first = None
    with bench.app.app_context():
        for period in PERIODS[:-1]:
            with Session(bench.engine) as session:
                began = time.perf_counter()
                snapshots.take(session, period, today=TODAY, actor=SYSTEM)
                session.commit()
                first = first or time.perf_counter() - began
    return first


def phone_photo(target_mb: float = 10.0) -> bytes:
    """A 4032×3024 JPEG of about `target_mb` (noise over a gradient, like a detailed site)."""
    rng = random.Random(3)
    base = Image.linear_gradient("L").resize((4032, 3024)).convert("RGB")
    noise = Image.frombytes("RGB", (4032, 3024), rng.randbytes(4032 * 3024 * 3))
    image = Image.blend(base, noise, 0.35)
    for quality in (95, 92, 88, 84, 80, 75):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        if out.tell() <= target_mb * 1024 * 1024 * 1.05:
            return out.getvalue()
    return out.getvalue()


def photo_rows(results: list, app) -> None:
    data = phone_photo()
    with app.app_context():
        limits = photos.Limits.from_settings(app)
    with tempfile.TemporaryDirectory() as folder, app.app_context():
        root = Path(folder)
        times = []
        for attempt in range(5):
            payload = data + bytes([attempt])  # a new file each time (content-addressed)
            began = time.perf_counter()
            processed = photos.process(payload, limits)
            for kind, blob in (
                ("original", processed.original),
                ("view", processed.view),
                ("thumb", processed.thumb),
            ):
                photos._write_new(
                    photos.path(root, processed.sha256, kind, processed.ext), blob, root
                )
            times.append(time.perf_counter() - began)
        stored = photos.stored_bytes(root, processed.sha256, processed.ext)
    results.append(
        row(
            f"reports: {len(data) / 2**20:.1f} MB phone photo checked and stored with copies (median of 5)",
            sorted(times)[2],
            "s",
            "< 1",
            worst_s=round(max(times), 3),
        )
    )
    results.append(
        row(
            "reports: storage per photo (original + display + thumbnail)",
            stored / 2**20,
            "MB",
            display_kb=round(len(processed.view) / 1024),
            thumb_kb=round(len(processed.thumb) / 1024),
        )
    )


def run(results: list) -> None:
    original_today = clock.today
    clock.today = lambda: TODAY
    try:
        with bench_app() as bench:
            insert_projects(bench, synthetic_projects(PROJECTS))
            began = time.perf_counter()
            fill_reports(bench)
            results.append(
                row("reports: insert 240,000 report rows (setup)", time.perf_counter() - began, "s")
            )
            first = seal_all(bench)
            results.append(row(f"reports: seal one month at {PROJECTS:,} projects", first, "s"))
            client = bench.client("leader")
            for label, url in (
                ("调度表 page, sealed month", f"/reports/table?month={PERIODS[-2]}"),
                ("调度表 page, live month", f"/reports/table?month={LAST}"),
                (
                    "调度表 page, filtered, page 20",
                    f"/reports/table?month={LAST}&builder=镜湖开发办&page=20",
                ),
            ):
                timing = measure(get_ok(client, url), repeat=20)
                results.append(
                    row(
                        f"reports: {label} (p95)",
                        timing.p95_ms,
                        "ms",
                        "< 300",
                        median_ms=round(timing.median_ms, 1),
                    )
                )
            for label, url in (
                ("调度表 XLSX, sealed month", f"/reports/table.xlsx?month={PERIODS[-2]}"),
                ("调度表 XLSX, live month", f"/reports/table.xlsx?month={LAST}"),
            ):
                call = get_ok(client, url)
                began, cpu = time.perf_counter(), time.process_time()
                for _ in range(3):
                    call()
                results.append(
                    row(
                        f"reports: {label}, {PROJECTS:,} rows (mean of 3)",
                        (time.perf_counter() - began) / 3,
                        "s",
                        "< 3",
                        cpu_s=round((time.process_time() - cpu) / 3, 2),
                    )
                )
            timing = measure(get_ok(client, f"/reports/asof?month={PERIODS[-2]}"), repeat=20)
            results.append(
                row(
                    "reports: as-of view with 本月变化 (p95)",
                    timing.p95_ms,
                    "ms",
                    "< 500",
                    median_ms=round(timing.median_ms, 1),
                )
            )
            photo_rows(results, bench.app)
    finally:
        clock.today = original_today


if __name__ == "__main__":
    out: list = []
    run(out)
    for r in out:
        print(r)
