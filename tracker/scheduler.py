"""The scheduler process: builds an APScheduler 3.x BlockingScheduler from tracker.jobs.JOBS and
runs it in exactly one process per installation.

The guard depends on the database. SQLite (one host): an exclusive lock file, and a second
scheduler exits. PostgreSQL (one or several hosts): a PostgreSQL advisory lock held on the
scheduler's own connection, released by the server when that process or its connection dies; a
second scheduler waits as a standby and takes over within one period. Either way every run of a
job claims its occurrence in the job_run table first, so two processes can never both run the
same scheduled occurrence (the same day's scan), and the active scheduler writes a heartbeat
that /readyz reads."""

import contextlib
import fcntl
import logging
import os
import threading
import time
import traceback
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy.engine import make_url

from tracker import clock
from tracker.jobs import JOBS, JobSpec
from tracker.ops import runs

log = logging.getLogger(__name__)

# pg_try_advisory_lock key: "tracker" as a number. Advisory locks are per database, so several
# installations on one PostgreSQL server do not see each other's lock.
ADVISORY_KEY = int.from_bytes(b"tracker", "big")
MISFIRE_GRACE_SECONDS = 3600


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


def occurrence(trigger: CronTrigger, now: datetime, lookback_seconds: float) -> datetime | None:
    """The scheduled time this run belongs to: the trigger's latest fire time at or before `now`
    (looking back at most the misfire grace time). Every host computes the same value for the
    same occurrence, whichever moment its run actually started."""
    fire = trigger.get_next_fire_time(None, now - timedelta(seconds=lookback_seconds))
    latest = None
    for _ in range(100_000):
        if fire is None or fire > now:
            break
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def run_recorded(app: Flask, func_path: str, job_id: str, trigger: CronTrigger):
    """What the scheduler runs: claim the occurrence in job_run, run the job, record the outcome."""
    engine = app.extensions["engine"]
    now = datetime.now(trigger.timezone)
    scheduled = occurrence(trigger, now, MISFIRE_GRACE_SECONDS) or now.replace(microsecond=0)
    key = scheduled.isoformat(timespec="seconds")
    mine, existing = runs.claim(engine, job_id, key)
    if mine is None:
        log.info(
            "job %s %s already claimed by %s (process %s): not run again here",
            job_id,
            key,
            existing.host if existing else "?",
            existing.pid if existing else "?",
        )
        return None
    try:
        result = run_job(app, func_path, job_id)
    except Exception as exc:
        log.exception("job %s %s failed", job_id, key)
        runs.finish(engine, mine.id, "failed", "".join(traceback.format_exception(exc))[-4000:])
        return None
    runs.finish(engine, mine.id, "ok", "" if result is None else str(result)[:500])
    return result


def build_scheduler(app: Flask, jobs: list[JobSpec] = JOBS) -> BlockingScheduler:
    """The configured scheduler, not started: one cron job per JobSpec, in SCHEDULER_TIMEZONE."""
    tz = ZoneInfo(app.config["SCHEDULER_TIMEZONE"])
    scheduler = BlockingScheduler(timezone=tz)
    for spec in jobs:
        if spec.trigger != "cron":
            raise ValueError(f"job {spec.id}: only cron triggers are supported")
        trigger = CronTrigger(timezone=tz, **app.config[spec.trigger_args_setting])
        scheduler.add_job(
            run_recorded,
            trigger=trigger,
            args=(app, spec.func, spec.id, trigger),
            id=spec.id,
            name=spec.description,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
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

    def alive(self) -> bool:
        return self.handle is not None


class AdvisoryLock:
    """pg_try_advisory_lock on a connection of its own (autocommit, never in a transaction).
    The server releases the lock when the session ends: the process exits or is killed, or its
    host dies (TCP keepalives, set short here, let the server notice within about a period)."""

    def __init__(self, database_url: str, period_seconds: float):
        url = make_url(database_url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self.period = max(1, int(period_seconds))
        self.conn = None

    def _connect(self):
        import psycopg

        idle = max(1, self.period // 3)
        return psycopg.connect(
            self.conninfo,
            autocommit=True,
            connect_timeout=10,
            application_name=f"tracker-scheduler {runs.host_name()} {os.getpid()}"[:63],
            keepalives=1,
            keepalives_idle=idle,
            keepalives_interval=idle,
            keepalives_count=3,
            options=(
                f"-c tcp_keepalives_idle={idle} -c tcp_keepalives_interval={idle} "
                f"-c tcp_keepalives_count=3 -c tcp_user_timeout={self.period * 1000}"
            ),
        )

    def try_acquire(self) -> bool:
        try:
            if self.conn is None or self.conn.closed:
                self.conn = self._connect()
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,)).fetchone()
        except Exception as exc:  # the database is down: stay a standby and try again
            log.warning("scheduler lock: database not reachable (%s)", str(exc).strip()[:200])
            self.release()
            return False
        return bool(row and row[0])

    def alive(self) -> bool:
        """Is the lock still ours? (Its connection still answers.)"""
        try:
            return self.conn is not None and self.conn.execute("SELECT 1").fetchone() == (1,)
        except Exception:
            return False

    def release(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()  # closing the session releases the lock
            self.conn = None


def _heartbeat(app: Flask, guard, started_at: datetime, scheduler, lost: threading.Event) -> None:
    """Every period: check that the guard still holds, then record the heartbeat."""
    if not guard.alive():
        log.error("scheduler lock lost (its database connection died): stopping the jobs here")
        lost.set()
        scheduler.shutdown(wait=False)
        return
    try:
        runs.beat(app.extensions["engine"], started_at)
    except Exception as exc:
        log.warning("scheduler heartbeat not recorded: %s", str(exc).strip()[:200])


def _run_active(app: Flask, guard, echo) -> bool:
    """Run the jobs while this process holds the guard. True when the guard was lost."""
    engine = app.extensions["engine"]
    period = app.config["SCHEDULER_PERIOD_SECONDS"]
    interrupted = runs.interrupt_running(engine)
    if interrupted:
        echo(f"上一个调度器退出时有 {interrupted} 个任务未完成，已记为中断")
    started_at = clock.now_utc()
    runs.beat(engine, started_at)
    scheduler = build_scheduler(app)
    lost = threading.Event()
    scheduler.add_job(
        _heartbeat,
        trigger="interval",
        seconds=period,
        args=(app, guard, started_at, scheduler, lost),
        id="scheduler-heartbeat",
        max_instances=1,
        coalesce=True,
    )
    for job in scheduler.get_jobs():
        if job.id != "scheduler-heartbeat":
            echo(f"任务 {job.id}：{job.trigger}")
    echo(
        f"调度器已启动（时区 {app.config['SCHEDULER_TIMEZONE']}，主机 {runs.host_name()}，"
        f"进程 {os.getpid()}）"
    )
    try:
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
    return lost.is_set()


def _holder(app: Flask) -> str:
    with contextlib.suppress(Exception):
        beat = runs.last_beat(app.extensions["engine"])
        if beat is not None:
            return f"主机 {beat.host}，进程 {beat.pid}"
    return "另一进程"


def run_postgres(app: Flask, echo=print) -> None:
    """Standby until the advisory lock is ours, then active until stopped or the lock is lost."""
    period = app.config["SCHEDULER_PERIOD_SECONDS"]
    guard = AdvisoryLock(app.config["DATABASE_URL"], period)
    said_waiting = False
    try:
        while True:
            if guard.try_acquire():
                said_waiting = False
                lost = _run_active(app, guard, echo)
                if not lost:
                    return
                guard.release()
                echo("调度器失去了数据库锁，转为待命")
                continue
            if not said_waiting:
                echo(
                    f"已有调度器在运行（{_holder(app)}），本进程待命，每 {period} 秒检查一次，"
                    "它停止后自动接替"
                )
                said_waiting = True
            time.sleep(period)
    finally:
        guard.release()


def run(app: Flask, echo=print) -> None:
    """Take the guard, then run the scheduler in the foreground until interrupted."""
    if app.config["DATABASE_URL"].startswith("postgresql"):
        try:
            run_postgres(app, echo)
        finally:
            echo("调度器已停止")
        return
    with SchedulerLock(lock_path(app)) as lock:
        try:
            _run_active(app, lock, echo)
        finally:
            echo("调度器已停止")
