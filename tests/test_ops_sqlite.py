"""SQLite under several server processes: WAL mode and a busy timeout, so writers wait for each
other instead of failing with "database is locked"."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from tracker import migrate
from tracker.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
WRITER = """
import sys
from sqlalchemy import text
from tracker.db import make_engine
engine = make_engine(sys.argv[1], busy_timeout_seconds=float(sys.argv[3]))
for i in range(40):
    with engine.begin() as conn:  # a write transaction that holds the lock a little while
        conn.execute(text("INSERT INTO job_run (job_id, run_key, host, pid, started_at, outcome, detail)"
                          " VALUES ('w', :k, 'h', 0, '2026-01-01', 'ok', '')"), {"k": f"{sys.argv[2]}-{i}"})
        conn.execute(text("SELECT COUNT(*) FROM job_run")).scalar()
print("done")
"""


def _writers(url: str, busy: float, count: int = 4) -> list[subprocess.CompletedProcess]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(n), str(busy)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(count)
    ]
    return [(p, *p.communicate(timeout=120)) for p in procs]


def test_wal_and_busy_timeout_let_several_processes_write(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    for proc, _out, err in _writers(url, busy=30):
        assert proc.returncode == 0 and "database is locked" not in err, err[-500:]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM job_run")).scalar() == 4 * 40
    engine.dispose()
