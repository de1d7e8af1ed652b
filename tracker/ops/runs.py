"""The scheduler's records: claiming one occurrence of a job (so no two hosts run it), its
outcome, and the active scheduler's heartbeat."""

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.clock import now_utc
from tracker.ops.models import JobRun, SchedulerHeartbeat

HEARTBEAT = "scheduler"


def host_name() -> str:
    return socket.gethostname()


def claim(engine: Engine, job_id: str, run_key: str) -> tuple[JobRun | None, JobRun | None]:
    """(our run, None) when this process may run the occurrence; (None, the existing run) when
    another process (on this host or another) already claimed it."""
    with Session(engine, expire_on_commit=False) as session:
        run = JobRun(job_id=job_id, run_key=run_key, host=host_name(), pid=os.getpid())
        session.add(run)
        try:
            session.commit()
            return run, None
        except IntegrityError:
            session.rollback()
        existing = session.exec(
            select(JobRun).where(JobRun.job_id == job_id, JobRun.run_key == run_key)
        ).first()
        return None, existing


def finish(engine: Engine, run_id: int, outcome: str, detail: str = "") -> None:
    with Session(engine) as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(outcome=outcome, detail=detail[:4000], finished_at=now_utc())
        )
        session.commit()


def interrupt_running(engine: Engine) -> int:
    """Called by a scheduler that has just become the only active one: runs still marked as
    running belong to a scheduler that died (or lost its lock) while running them."""
    with Session(engine) as session:
        result = session.execute(
            update(JobRun)
            .where(JobRun.outcome == "running")
            .values(outcome="interrupted", finished_at=now_utc(), detail="调度器在运行中退出")
        )
        session.commit()
        return result.rowcount or 0


def beat(engine: Engine, started_at: datetime) -> None:
    """Record that the active scheduler is alive (one row, replaced each period)."""
    now = now_utc()
    with Session(engine) as session:
        row = session.get(SchedulerHeartbeat, HEARTBEAT)
        if row is None:
            row = SchedulerHeartbeat(name=HEARTBEAT, started_at=started_at, seen_at=now)
        row.host, row.pid, row.started_at, row.seen_at = host_name(), os.getpid(), started_at, now
        session.add(row)
        session.commit()


def last_beat(engine: Engine) -> SchedulerHeartbeat | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(SchedulerHeartbeat, HEARTBEAT)


def is_fresh(beat_row: SchedulerHeartbeat | None, period_seconds: float, now: datetime) -> bool:
    """Seen within two periods (one period plus the time a beat may take to be written)."""
    if beat_row is None:
        return False
    seen = beat_row.seen_at
    if seen.tzinfo is None:  # SQLite hands back naive UTC
        seen = seen.replace(tzinfo=now.tzinfo)
    return now - seen <= timedelta(seconds=2 * period_seconds)


def recent_runs(engine: Engine, job_id: str | None = None, limit: int = 50) -> list[JobRun]:
    with Session(engine, expire_on_commit=False) as session:
        query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
        if job_id:
            query = query.where(JobRun.job_id == job_id)
        return list(session.exec(query))
