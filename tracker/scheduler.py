"""The scheduler process: builds an APScheduler 3.x BlockingScheduler from tracker.jobs.JOBS and
runs it in exactly one process, guarded by an exclusive lock file (instance/scheduler.lock)."""

import contextlib
import fcntl
import logging
import os
from importlib import import_module
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from tracker import clock
from tracker.jobs import JOBS, JobSpec

log = logging.getLogger(__name__)


class AlreadyRunning(RuntimeError):
    """Another process holds the scheduler lock."""


def run_job(app: Flask, func_path: str, job_id: str):
    """Import the job function when it runs; a job whose module does not exist yet is skipped."""
    module_name, _, func_name = func_path.partition(":")
    try:
        func = getattr(import_module(module_name), func_name)
    except (ImportError, AttributeError):
        log.warning("job %s skipped: %s is not available", job_id, func_path)
        return None
    return func(app, clock.today())


def build_scheduler(app: Flask, jobs: list[JobSpec] = JOBS) -> BlockingScheduler:
    """The configured scheduler, not started: one cron job per JobSpec, in SCHEDULER_TIMEZONE."""
    tz = ZoneInfo(app.config["SCHEDULER_TIMEZONE"])
    scheduler = BlockingScheduler(timezone=tz)
    for spec in jobs:
        if spec.trigger != "cron":
            raise ValueError(f"job {spec.id}: only cron triggers are supported")
        scheduler.add_job(
            run_job,
            trigger=CronTrigger(timezone=tz, **app.config[spec.trigger_args_setting]),
            args=(app, spec.func, spec.id),
            id=spec.id,
            name=spec.description,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
            replace_existing=True,
        )
    return scheduler


def lock_path(app: Flask) -> Path:
    configured = app.config.get("SCHEDULER_LOCK_FILE")
    return Path(configured) if configured else Path(app.instance_path) / "scheduler.lock"


class SchedulerLock:
    """fcntl.flock on a file: released by the kernel when the process ends, however it ends."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 — held open for the process lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise AlreadyRunning(
                f"已有调度器在运行（进程 {holder}，锁文件 {self.path}），本进程不再启动"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc):
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def run(app: Flask, echo=print) -> None:
    """Take the lock, then run the scheduler in the foreground until interrupted."""
    with SchedulerLock(lock_path(app)):
        scheduler = build_scheduler(app)
        for job in scheduler.get_jobs():
            echo(f"任务 {job.id}：{job.trigger}")
        echo(f"调度器已启动（时区 {app.config['SCHEDULER_TIMEZONE']}，进程 {os.getpid()}）")
        try:
            with contextlib.suppress(KeyboardInterrupt, SystemExit):
                scheduler.start()
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            echo("调度器已停止")
