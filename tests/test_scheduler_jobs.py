"""The scheduler: its job list checked without running it, missing job modules tolerated, and
only one scheduler process at a time (two real processes)."""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from tracker import scheduler
from tracker.jobs import JOBS, JobSpec

ROOT = Path(__file__).resolve().parent.parent


def _fields(trigger: CronTrigger) -> dict[str, str]:
    return {f.name: str(f) for f in trigger.fields}


def test_job_list_ids_triggers_and_timezone(app):
    app.config.update(SCAN_SCHEDULE={"hour": 5, "minute": 15})
    s = scheduler.build_scheduler(app)
    assert not s.running
    jobs = {job.id: job for job in s.get_jobs()}
    assert (
        set(jobs)
        == {spec.id for spec in JOBS}
        == {
            "daily-overdue-scan",
            "weekly-portfolio-brief",
            "daily-backup",
            "monthly-report-close",
        }
    )
    assert s.timezone == ZoneInfo("Asia/Shanghai")
    scan = jobs["daily-overdue-scan"].trigger
    assert isinstance(scan, CronTrigger) and scan.timezone == ZoneInfo("Asia/Shanghai")
    assert _fields(scan)["hour"] == "5" and _fields(scan)["minute"] == "15"
    brief = _fields(jobs["weekly-portfolio-brief"].trigger)
    assert brief["day_of_week"] == "mon" and brief["hour"] == "7"
    assert jobs["daily-overdue-scan"].args[1] == "tracker.alerts.jobs:daily_scan"
    assert jobs["daily-overdue-scan"].max_instances == 1
    close = _fields(jobs["monthly-report-close"].trigger)
    assert (close["day"], close["hour"]) == ("11", "8")


def test_missing_job_module_is_logged_and_skipped(app, caplog):
    assert scheduler.run_job(app, "tracker.no_such_module:job", "x") is None
    assert "skipped" in caplog.text


def test_the_scan_job_runs_through_the_scheduler_wrapper(app, monkeypatch):
    from tracker import clock

    monkeypatch.setattr(clock, "today", lambda: date(2025, 3, 10))
    result = scheduler.run_job(app, "tracker.alerts.jobs:daily_scan", "daily-overdue-scan")
    assert result.projects == 0 and result.failed == []


def test_non_cron_jobs_are_refused(app):
    with pytest.raises(ValueError):
        scheduler.build_scheduler(app, [JobSpec("x", "a:b", "interval", "SCAN_SCHEDULE", "")])


def test_lock_is_exclusive_in_process(tmp_path):
    path = tmp_path / "scheduler.lock"
    with (
        scheduler.SchedulerLock(path),
        pytest.raises(scheduler.AlreadyRunning, match="已有调度器在运行"),
        scheduler.SchedulerLock(path),
    ):
        pass
    with scheduler.SchedulerLock(path):  # released: can be taken again
        pass


def _start(env):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tracker", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(proc) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=30)  # also closes the pipes
    return out


def test_only_one_scheduler_process(database_url, tmp_path):
    if database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: a second scheduler waits (tests/test_ops_scheduler_hosts.py)")
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
        "TRACKER_SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
        "PYTHONWARNINGS": "ignore",
    }
    first = _start(env)
    try:
        deadline = time.monotonic() + 30
        started = False
        while time.monotonic() < deadline and not started:
            line = first.stdout.readline()
            started = "调度器已启动" in line
            assert first.poll() is None or started, first.stderr.read()
        assert started, "the first scheduler did not start"
        second = _start(env)
        out, err = second.communicate(timeout=30)
        assert second.returncode == 3
        assert "已有调度器在运行" in err and str(first.pid) in err
        assert first.poll() is None  # the first one keeps running
    finally:
        stopped = _stop(first)
    assert "调度器已停止" in stopped  # SIGTERM shuts it down cleanly
    # Once the first has stopped, a new scheduler may start.
    third = _start(env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "调度器已启动" in third.stdout.readline():
                break
        else:
            pytest.fail("the scheduler could not start after the first one stopped")
    finally:
        _stop(third)
