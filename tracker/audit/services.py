"""Writing and reading the audit trail; callers pass who acted (an Actor) explicitly."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import g
from sqlmodel import Session, func, select

from tracker.audit.models import AuditEntry
from tracker.db import engine


@dataclass(frozen=True)
class Actor:
    """Who did it and from where (a system job has no user id)."""

    user_id: int | None
    username: str
    address: str = ""


SYSTEM = Actor(None, "系统")


def _text(value) -> str:
    return "" if value is None else str(value)


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str = "",
    entity_id="",
    project_id: int | None = None,
    detail: str = "",
    changes: list[dict] | None = None,
    version: int | None = None,
) -> AuditEntry:
    """One entry; a save's fields go in `changes` (see tracker.audit.editing.apply_change)."""
    entry = AuditEntry(
        user_id=actor.user_id,
        username=actor.username,
        address=actor.address,
        action=action,
        entity=entity,
        entity_id=_text(entity_id),
        project_id=project_id,
        detail=detail,
        changes=changes,
        version=version,
    )
    session.add(entry)
    return entry


def project_history(session: Session, project_id: int, limit: int = 200) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.project_id == project_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.exec(query))


def record_now(*, actor: Actor, action: str, **fields) -> None:
    """Record in a transaction of its own, committed at once: for refusals (failed login, 403,
    bad upload) whose request is rolled back."""
    request_session = g.get("db_session")
    if request_session is not None:
        # Release SQLite's write lock first; the request is being refused and rolls back anyway.
        request_session.rollback()
    with Session(engine()) as session:
        record(session, actor=actor, action=action, **fields)
        session.commit()


@dataclass(frozen=True)
class AuditFilter:
    """The filters of the global audit page (all optional)."""

    username: str = ""
    action: str = ""
    project_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def apply(self, query, zone):
        if self.username:
            query = query.where(AuditEntry.username == self.username)
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.project_id is not None:
            query = query.where(AuditEntry.project_id == self.project_id)
        # Day boundaries in the bureau's zone, compared in UTC (how SQLite stores the instants).
        if self.date_from:
            start = datetime.combine(self.date_from, time(), zone).astimezone(UTC)
            query = query.where(AuditEntry.at >= start)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(), zone).astimezone(UTC)
            query = query.where(AuditEntry.at < end)
        return query


def search(
    session: Session, f: AuditFilter, zone, *, page: int = 1, page_size: int = 100
) -> tuple[list[AuditEntry], int]:
    count = session.exec(f.apply(select(func.count(AuditEntry.id)), zone)).one()
    query = f.apply(select(AuditEntry), zone).order_by(AuditEntry.id.desc())
    rows = session.exec(query.offset((page - 1) * page_size).limit(page_size))
    return list(rows), count


def all_matching(session: Session, f: AuditFilter, zone, limit: int = 100_000) -> list[AuditEntry]:
    query = f.apply(select(AuditEntry), zone).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.exec(query))
