"""Registry benchmark: importing a 10,000-row CSV, the filtered project list and /api/summary at
1,000 and 10,000 projects (median and p95 over repeated requests), and memory.

Targets (issue 2): import < 5 s; list page < 150 ms and /api/summary < 50 ms at 10,000 projects."""

import time

from scripts.benchmarks.common import (
    bench_app,
    get_ok,
    insert_projects,
    measure,
    portfolio_csv,
    process_peak_rss_mb,
    row,
    synthetic_projects,
    traced_peak,
)
from tracker.audit.services import Actor
from tracker.dataio.services import import_file

ACTOR = Actor(None, "基准测试")
LIST_PAGES = {
    "list, filtered (学段+街道, by 总投资)": "/projects?stage=小学&subdistrict=灵芝街道&sort=total&order=desc",
    "list, search + page 2": "/projects?q=城东&government=1&page=2",
    "list, unfiltered": "/projects",
}
SUMMARIES = {
    "/api/summary": "/api/summary",
    "/api/summary, filtered": "/api/summary?stage=小学&subdistrict=灵芝街道",
}
REPEAT = 40


def _import(bench, data: bytes, *, dry_run: bool = False):
    with bench.session() as session, bench.app.app_context():
        outcome = import_file(
            session,
            actor=ACTOR,
            data=data,
            filename="bench.csv",
            window=(2021, 2025),
            dry_run=dry_run,
        )
        assert outcome.ok, [str(e) for e in outcome.errors[:5]]
        session.commit()
    return outcome


def _time_hooks(app) -> dict[str, float]:
    """Wrap the other domains' projects-created callbacks to see what the import spends in them."""
    spent: dict[str, float] = {}
    callbacks = app.extensions.get("projects_created", [])

    def timed(callback):
        name = f"{callback.__module__}.{callback.__name__}"

        def wrapper(*args):
            began = time.perf_counter()
            try:
                return callback(*args)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - began

        return wrapper

    app.extensions["projects_created"] = [timed(c) for c in callbacks]
    return spent


def _latency(results: list, bench, size: str) -> None:
    client = bench.client("viewer")
    for label, url in LIST_PAGES.items():
        t = measure(get_ok(client, url), repeat=REPEAT)
        target = "< 150" if size == "10,000" else "-"
        results.append(row(f"registry: {label} @ {size}: median", t.median_ms, "ms", target))
        results.append(row(f"registry: {label} @ {size}: p95", t.p95_ms, "ms", "-"))
    for label, url, repeat in (
        ("project page", "/projects/BM-000007", REPEAT),
        ("data-quality list (every project)", "/projects/quality", 10),
    ):
        t = measure(get_ok(client, url), repeat=repeat, warmup=1)
        results.append(row(f"registry: {label} @ {size}: median", t.median_ms, "ms"))
        results.append(row(f"registry: {label} @ {size}: p95", t.p95_ms, "ms"))
    for label, url in SUMMARIES.items():
        t = measure(get_ok(client, url), repeat=REPEAT * 2)
        target = "< 50" if size == "10,000" else "-"
        results.append(row(f"registry: {label} @ {size}: median", t.median_ms, "ms", target))
        results.append(row(f"registry: {label} @ {size}: p95", t.p95_ms, "ms", "-"))


def run(results: list) -> None:
    projects = synthetic_projects(10_000)
    data = portfolio_csv(projects)
    results.append(row("registry: 10,000-row CSV size", len(data) / 2**20, "MB"))

    with bench_app() as bench:
        hooks = _time_hooks(bench.app)
        began = time.perf_counter()
        outcome = _import(bench, data)
        seconds = time.perf_counter() - began
        assert outcome.result.created == 10_000
        results.append(row("registry: import 10,000-row CSV (new), all of it", seconds, "s", "< 5"))
        for name, spent in hooks.items():
            results.append(row(f"registry:   of which hook {name}", spent, "s"))
        results.append(
            row(
                "registry:   of which the registry itself",
                seconds - sum(hooks.values()),
                "s",
                "< 5",
            )
        )
        began = time.perf_counter()
        again = _import(bench, data)
        assert again.result.unchanged == 10_000, again.result
        results.append(
            row(
                "registry: re-import same 10,000 rows (0 changes)", time.perf_counter() - began, "s"
            )
        )
        with traced_peak() as peak:
            _import(bench, data, dry_run=True)
        results.append(
            row(
                "registry: import 10,000 rows: peak Python memory (tracemalloc)",
                peak["peak_mb"],
                "MB",
            )
        )
        _latency(results, bench, "10,000")

    with bench_app() as bench:
        insert_projects(bench, synthetic_projects(1_000, seed=1000))
        _latency(results, bench, "1,000")

    results.append(row("registry: process peak memory (RSS)", process_peak_rss_mb(), "MB", "< 500"))


if __name__ == "__main__":
    from scripts.benchmarks.__main__ import main

    raise SystemExit(main(["registry"]))
