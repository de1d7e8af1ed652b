"""Benchmark of the schedule domain: the daily overdue scan over 10,000 projects × 10 milestones
(the first run opens the alerts; a repeat run must change nothing) and the 预警 page's p95 at
10,000 projects. Run: scripts/bench milestones."""

import time
from datetime import timedelta

from sqlalchemy import func, select, update

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
from tracker.alerts import services as alerts
from tracker.milestones.models import Milestone

PROJECTS = 10_000


def progress(bench) -> int:
    """A realistic mix: most past milestones done (some late), some forecasts slipping."""
    with bench.session() as session:
        rows = session.execute(select(Milestone.id, Milestone.planned_on, Milestone.project_id))
        done, forecast = [], []
        for m in rows:
            if m.planned_on and m.planned_on < TODAY and m.project_id % 3:
                actual = m.planned_on + timedelta(days=m.id % 20)
                if actual <= TODAY:
                    done.append({"id": m.id, "actual_on": actual, "status": "已完成"})
            elif m.planned_on and m.project_id % 7 == 0:
                forecast.append({"id": m.id, "forecast_on": m.planned_on + timedelta(days=60)})
        session.execute(update(Milestone), done)
        session.execute(update(Milestone), forecast)
        session.commit()
        return session.scalar(select(func.count(Milestone.id)))


def timed_scan(bench) -> tuple[float, float, alerts.ScanResult]:
    with bench.session() as session, bench.app.app_context():
        began, cpu = time.perf_counter(), time.process_time()
        result = alerts.scan(session, TODAY)
        session.commit()
        return time.perf_counter() - began, time.process_time() - cpu, result


def run(results: list) -> None:
    with bench_app() as bench:
        insert_projects(bench, synthetic_projects(PROJECTS))  # lays out 10 milestones each
        milestones = progress(bench)
        seconds, cpu, first = timed_scan(bench)
        results.append(
            row(
                f"milestones: daily scan {PROJECTS:,} projects ({milestones:,} milestones), first run",
                seconds,
                "s",
                "< 3",
                cpu_s=round(cpu, 2),
                alerts_opened=first.opened,
            )
        )
        seconds, cpu, again = timed_scan(bench)
        assert (again.opened, again.updated, again.closed) == (0, 0, 0), again
        results.append(
            row(
                f"milestones: daily scan {PROJECTS:,} projects, repeat (no changes)",
                seconds,
                "s",
                "< 3",
                cpu_s=round(cpu, 2),
            )
        )
        clock.today = lambda: TODAY
        client = bench.client("leader")
        call, cpu_ms = get_ok(client, "/alerts"), []

        def page():
            began = time.process_time()
            call()
            cpu_ms.append((time.process_time() - began) * 1000)

        timing = measure(page, repeat=40)
        cpu_ms = sorted(cpu_ms[3:])  # the timed runs, after the warm-up
        results.append(
            row(
                f"milestones: 预警 page at {PROJECTS:,} projects (p95)",
                timing.p95_ms,
                "ms",
                "< 200",
                median_ms=round(timing.median_ms, 1),
                cpu_p95_ms=round(cpu_ms[int(round(0.95 * (len(cpu_ms) - 1)))], 1),
                cpu_median_ms=round(cpu_ms[len(cpu_ms) // 2], 1),
            )
        )
        timing = measure(get_ok(client, "/alerts?page=20&builder=镜湖开发办"), repeat=20)
        results.append(
            row("milestones: 预警 page filtered, page 20 (p95)", timing.p95_ms, "ms", "< 200")
        )
