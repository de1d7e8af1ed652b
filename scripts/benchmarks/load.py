"""Load benchmark (issue 16): scripts/serve with 4 gunicorn workers on 10,000 projects, 50
concurrent clients for 60 s on the project list, a project page, the API and the map: errors, p95
of each, requests per second; on PostgreSQL and on SQLite with WAL. Then a backup of the same
database (10,000 projects with 24 months of history) against its 30 s target.

    scripts/bench load                                  (both databases, 60 s each)
    .venv/bin/python -m scripts.benchmarks.load --seconds 15 --projects 2000 --db postgresql

PostgreSQL: BENCH_POSTGRES_URL names an empty database to use (it is emptied); without it, a
throw-away server of our own is started when this runs as root; else only SQLite is measured."""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.benchmarks import stack  # noqa: E402
from scripts.benchmarks.common import BenchApp, insert_projects, row, synthetic_projects  # noqa: E402

TARGET_P95_MS = 300
LIST_FILTERS = ["", "stage=小学", "subdistrict=灵芝街道", "status=在建", "q=城东"]


def endpoints(count: int) -> dict:
    def code(rng) -> str:
        return f"BM-{rng.randint(1, count):06d}"

    return {
        "list": lambda rng: f"/projects?{rng.choice(LIST_FILTERS)}&page={rng.randint(1, 5)}",
        "project page": lambda rng: f"/projects/{code(rng)}",
        "API": lambda rng: (
            f"/api/projects?page={rng.randint(1, 20)}"
            if rng.random() < 0.5
            else f"/api/projects/{code(rng)}"
        ),
        "map": lambda rng: "/maps",
    }


def fill(url: str, count: int, folder: Path) -> None:
    """Schema, `count` projects with milestones, 24 months of finance and audit history each,
    and a viewer to sign in as."""
    from tracker import create_app, migrate
    from tracker.accounts.services import create_user
    from tracker.audit.models import AuditEntry
    from tracker.audit.services import SYSTEM
    from tracker.finance.models import InvestmentMonth, InvestmentYear
    from tracker.projects.models import Project

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        engine.dispose()
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": stack.SECRET, "TESTING": True})
    app.instance_path = str(folder)
    bench = BenchApp(app, url, folder)
    insert_projects(bench, synthetic_projects(count), hooks=True)
    with bench.session() as session:
        ids = list(session.scalars(select(Project.id).order_by(Project.id)))
        months, years, audit = [], [], []
        for pid in ids:
            for k in range(24):
                year, month = 2024 + k // 12, k % 12 + 1
                months.append({"project_id": pid, "year": year, "month": month,
                               "planned_fen": 1_000_000 + pid + k, "completed_fen": 900_000 + k})  # fmt: skip
                audit.append({"action": "update", "entity": "investment", "entity_id": str(pid),
                              "project_id": pid, "username": "财务", "field": f"{year}-{month:02d}",
                              "old_value": "", "new_value": str(900_000 + k), "detail": "",
                              "at": datetime(year, month, 1, tzinfo=UTC)})  # fmt: skip
            years += [{"project_id": pid, "year": y, "planned_fen": 12_000_000 + pid,
                       "completed_fen": 10_000_000} for y in (2024, 2025)]  # fmt: skip
        for model, rows in (
            (InvestmentMonth, months),
            (InvestmentYear, years),
            (AuditEntry, audit),
        ):
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start : start + 5000])
        with app.app_context():
            create_user(session, actor=SYSTEM, username="load-viewer", password=stack.PASSWORD,
                        role="viewer")  # fmt: skip
        session.commit()
    app.extensions["engine"].dispose()


def measure_backup(url: str, folder: Path) -> tuple[float, float]:
    from tracker import create_app
    from tracker.ops import backup

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": stack.SECRET, "TESTING": True})
    app.instance_path = str(folder / "instance")
    began = time.perf_counter()
    with app.app_context():
        backup.create(app, folder / "backup.tar.gz")
    seconds = time.perf_counter() - began
    app.extensions["engine"].dispose()
    return seconds, (folder / "backup.tar.gz").stat().st_size / 2**20


def measure(kind: str, url: str, *, projects: int, clients: int, seconds: float, workers: int,
            backup_too: bool = True, pages: tuple[str, ...] = ()) -> list[dict]:  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix=f"tracker-load-{kind}-") as name:
        folder = Path(name)
        began = time.perf_counter()
        fill(url, projects, folder)
        print(
            f"  {kind}: {projects} projects filled in {time.perf_counter() - began:.0f} s",
            flush=True,
        )
        server = stack.Stack(url, folder, workers=workers).start()
        try:
            session = stack.login(server.url, "load-viewer")
            chosen = {k: v for k, v in endpoints(projects).items() if not pages or k in pages}
            samples, wall = stack.run_load(server.url, session.cookies, chosen, clients=clients,
                                           seconds=seconds)  # fmt: skip
        finally:
            server.stop()
        label = (f"load {kind} ({workers} workers, {clients} clients, {seconds:g} s, {projects} "
                 f"projects{', ' + '+'.join(chosen) if pages else ''}; load average "
                 f"{os.getloadavg()[0]:.1f})")  # fmt: skip
        total = sum(1 for _ in samples)
        errors = sum(1 for s in samples if s.status != 200)
        rows.append(row(f"{label}: requests/s", total / wall, "req/s", "-"))
        rows.append(row(f"{label}: errors", errors, "n", "< 1"))
        for name, figures in stack.summarise(samples, wall).items():
            rows.append(row(f"{label}: {name} p95", figures["p95_ms"], "ms", f"< {TARGET_P95_MS}",
                            median_ms=round(figures["median_ms"], 1), requests=figures["requests"],
                            errors=figures["errors"], per_s=round(figures["per_s"], 1)))  # fmt: skip
        if backup_too:
            took, size = measure_backup(url, folder)
            rows.append(row(f"backup {kind}, {projects} projects + 24 months", took, "s", "< 30",
                            size_mb=round(size, 1)))  # fmt: skip
    return rows


def run(results: list, *, projects: int = 10_000, clients: int = 50, seconds: float = 60,
        workers: int = 4, kinds: tuple[str, ...] = ("postgresql", "sqlite"),
        pages: tuple[str, ...] = (), backup_too: bool = True) -> None:  # fmt: skip
    for kind in kinds:
        throwaway = None
        if kind == "postgresql":
            url = os.environ.get("BENCH_POSTGRES_URL")
            if not url:
                try:
                    throwaway = stack.ThrowawayPostgres().create()
                except RuntimeError as exc:
                    print(f"  postgresql skipped: {exc} (set BENCH_POSTGRES_URL)", flush=True)
                    continue
                url = throwaway.url
        else:
            url = f"sqlite:///{tempfile.mkdtemp(prefix='tracker-load-db-')}/tracker.db"
        try:
            results += measure(kind, url, projects=projects, clients=clients, seconds=seconds,
                               workers=workers, pages=pages, backup_too=backup_too)  # fmt: skip
        finally:
            if throwaway is not None:
                throwaway.remove()


def _against(args) -> int:
    """A bounded load on a server already running (CI: the stack deploy/ describes, via nginx)."""
    import urllib3

    urllib3.disable_warnings()  # a self-signed certificate in CI
    stack.VERIFY_TLS = not args.insecure
    session = stack.login(args.target, "load-viewer")
    samples, wall = stack.run_load(args.target, session.cookies, endpoints(args.projects),
                                   clients=args.clients, seconds=args.seconds)  # fmt: skip
    errors = sum(1 for s in samples if s.status != 200)
    print(f"load: {len(samples)} requests in {wall:.1f} s ({len(samples) / wall:.1f} req/s), "
          f"{errors} errors, {args.clients} clients, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for name, f in stack.summarise(samples, wall).items():
        print(f"  {name:<13} {f['requests']:>6} requests  {f['errors']:>3} errors  "
              f"median {f['median_ms']:7.0f} ms  p95 {f['p95_ms']:7.0f} ms")  # fmt: skip
    if args.max_errors is not None and errors > args.max_errors:
        print(f"load: {errors} errors (allowed {args.max_errors})", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--max-errors", type=int, default=None, help="exit 1 above this many")
    parser.add_argument("--pages", nargs="*", choices=["list", "project page", "API", "map"])
    parser.add_argument("--no-backup", action="store_true")
    parser.add_argument("--fill", metavar="DATABASE_URL", help="only fill this database")
    parser.add_argument("--target", metavar="BASE_URL", help="load a server that is running")
    parser.add_argument("--insecure", action="store_true", help="accept a self-signed certificate")
    args = parser.parse_args(argv)
    if args.fill:
        with tempfile.TemporaryDirectory() as folder:
            fill(args.fill, args.projects, Path(folder))
        print(f"filled {args.fill.split('@')[-1]} with {args.projects} projects")
        return 0
    if args.target:
        return _against(args)
    kinds = ("postgresql", "sqlite") if args.db == "both" else (args.db,)
    results: list[dict] = []
    run(results, projects=args.projects, clients=args.clients, seconds=args.seconds,
        workers=args.workers, kinds=kinds, pages=tuple(args.pages or ()),
        backup_too=not args.no_backup)  # fmt: skip
    for r in results:
        extra = {k: v for k, v in r.items() if k not in {"benchmark", "value", "unit", "target"}}
        print(
            f"{r['benchmark']}: {r['value']} {r['unit']} (target {r['target']}) {json.dumps(extra, ensure_ascii=False) if extra else ''}"
        )
    errors = sum(r["value"] for r in results if r["benchmark"].endswith(": errors"))
    if args.max_errors is not None and errors > args.max_errors:
        print(f"load: {errors:g} errors", file=sys.stderr)
        return 1
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
