"""Benchmark of accounts and the audit trail: the cost of a login (scrypt), of the per-request
login/permission checks, of an API token lookup, and the 操作日志 page and export over 200,000
audit entries.

Run: .venv/bin/python -m scripts.benchmarks accounts   (or scripts/bench accounts)."""

import random
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from scripts.benchmarks.common import (
    PASSWORD,
    bench_app,
    get_ok,
    insert_projects,
    measure,
    row,
    synthetic_projects,
)
from tracker.audit.models import AuditEntry
from tracker.projects.models import Project

ENTRIES = 200_000
ACTIONS = ["update"] * 12 + ["create", "login", "export", "import", "archive", "permission"]


def _audit_rows(count: int, project_ids: list[int]) -> list[dict]:
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        action = rng.choice(ACTIONS)
        rows.append(
            {
                "at": start + timedelta(minutes=3 * i),
                "user_id": rng.randint(1, 40),
                "username": f"user{rng.randint(1, 40):02d}",
                "address": f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 250)}",
                "action": action,
                "entity": "project",
                "entity_id": f"BM-{rng.randint(1, 1000):06d}",
                "project_id": rng.choice(project_ids),
                "field": "status" if action == "update" else "",
                "old_value": "在建" if action == "update" else "",
                "new_value": "竣工" if action == "update" else "",
                "detail": "",
            }
        )
    return rows


def run(results: list) -> None:
    with bench_app() as bench:
        insert_projects(bench, synthetic_projects(1000), hooks=False)
        with bench.session() as session:
            ids = list(session.scalars(select(Project.id)))
            rows = _audit_rows(ENTRIES, ids)
            for chunk in range(0, ENTRIES, 20_000):
                session.execute(insert(AuditEntry), rows[chunk : chunk + 20_000])
            session.commit()

        admin = bench.client("admin")  # also creates bench-admin
        fresh = bench.app.test_client()
        login = measure(
            lambda: fresh.post("/login", data={"username": "bench-admin", "password": PASSWORD}),
            repeat=10,
            warmup=1,
        )
        results.append(row("login (scrypt check + session)", login.median_ms, "ms", "< 500"))

        results.append(
            row(
                "signed-in page /account p95",
                measure(get_ok(admin, "/account")).p95_ms,
                "ms",
                "< 150",
            )
        )

        page = admin.post("/account/tokens", data={"name": "bench"}).get_data(as_text=True)
        token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
        api = bench.app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        url = "/api/projects/BM-000001"

        def api_call():
            response = api.get(url, headers=headers)
            assert response.status_code == 200

        by_token = measure(api_call, repeat=50).median_ms
        by_cookie = measure(get_ok(admin, url), repeat=50).median_ms
        results.append(row("API one project, bearer token (median)", by_token, "ms", "< 200"))
        results.append(row("API one project, session cookie (median)", by_cookie, "ms", "< 200"))

        with bench.app.test_request_context():
            from flask import g

            from tracker.accounts.models import User
            from tracker.accounts.web import user_can
            from tracker.db import get_session

            g.user = get_session().get(User, 1)
            checks = measure(lambda: [user_can("project.edit") for _ in range(1000)], repeat=10)
        results.append(row("permission check user_can()", checks.median_ms, "µs each", "< 20"))

        for label, url in [
            ("audit page, 200k entries, unfiltered p95", "/audit"),
            ("audit page, filter user+action p95", "/audit?user=user07&action=update"),
            ("audit page, filter date range p95", "/audit?from=2025-06-01&to=2025-06-30"),
            ("audit page, last page p95", f"/audit?page={ENTRIES // 100}"),
        ]:
            results.append(row(label, measure(get_ok(admin, url), repeat=15).p95_ms, "ms", "< 500"))

        csv_run = measure(get_ok(admin, "/audit/export.csv?user=user07"), repeat=3, warmup=1)
        results.append(row("audit CSV export (~5,000 rows)", csv_run.median_ms, "ms", "< 3000"))
        xlsx_run = measure(
            get_ok(admin, "/audit/export.xlsx?from=2025-06-01&to=2025-06-30"), repeat=3, warmup=1
        )
        results.append(row("audit XLSX export (~14,400 rows)", xlsx_run.median_ms, "ms", "< 8000"))
