"""One scheduler across hosts: every run claims its scheduled occurrence in job_run (so a second
process can never run it again), the active scheduler writes a heartbeat, and on PostgreSQL two
real scheduler processes with their own instance folders share one advisory lock: exactly one runs
the jobs, and when it is killed the standby takes over within one period."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import select

from tracker import scheduler
from tracker.alerts.models import AlertScan
from tracker.ops import runs
from tracker.ops.models import JobRun

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")


def test_occurrence_is_the_scheduled_time_not_the_start_time():
    daily = CronTrigger(hour=6, minute=30, timezone=TZ)
    late_start = datetime(2026, 3, 10, 6, 41, 7, tzinfo=TZ)  # started 11 minutes late
    assert scheduler.occurrence(daily, late_start, 3600) == datetime(2026, 3, 10, 6, 30, tzinfo=TZ)
    every_2s = CronTrigger(second="*/2", timezone=TZ)
    assert scheduler.occurrence(every_2s, datetime(2026, 3, 10, 6, 0, 5, 300, tzinfo=TZ), 60) == (
        datetime(2026, 3, 10, 6, 0, 4, tzinfo=TZ)
    )


def _runs(db) -> list[JobRun]:
    db.expire_all()
    return list(db.exec(select(JobRun).order_by(JobRun.id)))


def test_the_same_occurrence_runs_once_and_every_run_is_recorded(app, db, monkeypatch):
    trigger = CronTrigger(hour=6, minute=30, timezone=TZ)
    fixed = datetime(2026, 3, 10, 6, 30, 2, tzinfo=TZ)
    monkeypatch.setattr(scheduler, "datetime", _FrozenDatetime(fixed))
    called = []
    monkeypatch.setattr(scheduler, "run_job", lambda *a: called.append(a) or "done")
    assert scheduler.run_recorded(app, "x:y", "daily-overdue-scan", trigger) == "done"
    # A second scheduler (another host) reaching the same scheduled occurrence later runs nothing.
    monkeypatch.setattr(scheduler, "datetime", _FrozenDatetime(fixed + timedelta(minutes=3)))
    assert scheduler.run_recorded(app, "x:y", "daily-overdue-scan", trigger) is None
    assert len(called) == 1
    (run,) = _runs(db)
    assert run.run_key == "2026-03-10T06:30:00+08:00"
    assert run.outcome == "ok" and run.host == runs.host_name() and run.pid == os.getpid()
    assert run.finished_at is not None

    def broken(*_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scheduler, "run_job", broken)
    monkeypatch.setattr(scheduler, "datetime", _FrozenDatetime(fixed + timedelta(days=1)))
    assert scheduler.run_recorded(app, "x:y", "daily-overdue-scan", trigger) is None
    failed = _runs(db)[-1]
    assert failed.outcome == "failed" and "disk full" in failed.detail


class _FrozenDatetime:
    """Stands in for the datetime class inside tracker.scheduler: now() is fixed."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self, tz=None):
        return self.moment.astimezone(tz) if tz else self.moment


def test_a_new_active_scheduler_marks_orphaned_runs_interrupted(app, db):
    claimed, _ = runs.claim(app.extensions["engine"], "daily-backup", "2026-03-10T02:15:00+08:00")
    assert claimed is not None
    assert runs.interrupt_running(app.extensions["engine"]) == 1
    assert _runs(db)[0].outcome == "interrupted"


def test_heartbeat_freshness(app):
    engine = app.extensions["engine"]
    assert runs.last_beat(engine) is None
    started = datetime.now(ZoneInfo("UTC"))
    runs.beat(engine, started)
    beat = runs.last_beat(engine)
    assert beat.host == runs.host_name() and beat.pid == os.getpid()
    assert runs.is_fresh(beat, 60, started + timedelta(seconds=100))
    assert not runs.is_fresh(beat, 60, started + timedelta(seconds=130))


def test_the_alerts_page_says_which_server_ran_the_last_scan(app, client, auth, db):
    db.add(AlertScan(day=datetime(2026, 3, 10).date(), projects=3, host="web-02"))
    db.commit()
    auth.login("viewer")
    page = client.get("/alerts").get_data(as_text=True)
    assert "由服务器 web-02 运行" in page


# --- two real scheduler processes on one PostgreSQL database --------------------------------


def _start(env: dict, folder: Path) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "scheduler.log").open("w") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tracker", "scheduler"],
            cwd=ROOT,
            env=env | {"TRACKER_INSTANCE_PATH": str(folder), "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def _log(folder: Path) -> str:
    return (folder / "scheduler.log").read_text()


@pytest.mark.slow
def test_two_hosts_one_scheduler_and_takeover(database_url, app, db, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite keeps the lock file")
    period = 1
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
        "TRACKER_SCHEDULER_PERIOD_SECONDS": str(period),
        "TRACKER_SCAN_SCHEDULE": '{"second": "*/2"}',
        "PYTHONWARNINGS": "ignore",
    }
    host_a, host_b = tmp_path / "host-a", tmp_path / "host-b"
    first = _start(env, host_a)
    second = None
    try:
        _wait_for(lambda: "调度器已启动" in _log(host_a), 60, "the first scheduler to start")
        second = _start(env, host_b)
        _wait_for(lambda: "本进程待命" in _log(host_b), 60, "the second scheduler to stand by")
        # Let the scan run a few times: every run is the first scheduler's, each occurrence once.
        _wait_for(lambda: len([r for r in _runs(db) if r.outcome == "ok"]) >= 3, 30, "scans")
        before = _runs(db)
        assert {r.pid for r in before} == {first.pid}
        assert len({r.run_key for r in before}) == len(before)
        assert second.poll() is None and "调度器已启动" not in _log(host_b)
        scans = len(db.exec(select(AlertScan)).all())
        assert scans >= len([r for r in before if r.outcome == "ok"])

        first.send_signal(signal.SIGKILL)  # dies without cleaning up: the server drops its lock
        first.wait(timeout=10)
        killed_at = time.monotonic()
        _wait_for(lambda: "调度器已启动" in _log(host_b), 30, "the standby to take over")
        took = time.monotonic() - killed_at
        assert took < period + 2, f"takeover took {took:.1f} s"
        _wait_for(lambda: any(r.pid == second.pid for r in _runs(db)), 30, "a scan by the standby")
        after = _runs(db)
        assert len({r.run_key for r in after}) == len(after)  # no occurrence ran twice
        assert {r.pid for r in after} <= {first.pid, second.pid}
        beat = runs.last_beat(app.extensions["engine"])
        assert beat.pid == second.pid
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
    assert "调度器已停止" in _log(host_b)
