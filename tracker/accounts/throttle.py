"""Slowing down password guessing: consecutive failures per account and per address lock the
login for an exponentially growing time. Counters live in the database (shared by all workers)
and are written in their own transaction, so a refused login still counts."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.accounts.models import LoginThrottle
from tracker.config import Settings


@dataclass(frozen=True)
class Policy:
    account_limit: int = 5  # failures of one account before it is locked
    address_limit: int = 20  # failures from one address before it is locked
    base_seconds: int = 30  # first lock; doubles with each further failure
    max_seconds: int = 900
    forget_after: timedelta = timedelta(hours=1)  # a quiet hour resets the count

    @classmethod
    def from_settings(cls, s: Settings) -> "Policy":
        return cls(
            account_limit=s.login_lock_after,
            address_limit=s.login_lock_after_address,
            base_seconds=s.login_lock_seconds,
            max_seconds=s.login_lock_max_seconds,
        )


def lock_seconds(failures: int, limit: int, policy: Policy) -> int:
    """How long to lock after `failures` consecutive failures (0 below the limit)."""
    if failures < limit:
        return 0
    return min(policy.max_seconds, policy.base_seconds * 2 ** min(failures - limit, 20))


def keys_for(username: str, address: str) -> dict[str, str]:
    return {"account": f"user:{username.strip().lower()[:100]}", "address": f"addr:{address[:100]}"}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _row(session: Session, key: str) -> LoginThrottle | None:
    return session.exec(select(LoginThrottle).where(LoginThrottle.key == key)).first()


def locked_for(session: Session, keys: dict[str, str], now: datetime) -> int:
    """Seconds until a login with these keys may be tried again (0 = now)."""
    wait = 0
    for key in keys.values():
        row = _row(session, key)
        until = _aware(row.locked_until) if row else None
        if until and until > now:
            wait = max(wait, int((until - now).total_seconds()) + 1)
    return wait


def register_failure(session: Session, keys: dict[str, str], now: datetime, policy: Policy) -> int:
    """Count one failure for each key; returns the longest lock now in force (seconds)."""
    wait = 0
    limits = {"account": policy.account_limit, "address": policy.address_limit}
    for kind, key in keys.items():
        for _attempt in range(2):  # a concurrent first failure may insert the row first
            row = _row(session, key) or LoginThrottle(key=key)
            last = _aware(row.last_failure_at)
            if last and now - last > policy.forget_after:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            seconds = lock_seconds(row.failures, limits[kind], policy)
            row.locked_until = now + timedelta(seconds=seconds) if seconds else None
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            wait = max(wait, seconds)
            break
    return wait


def clear(session: Session, key: str) -> None:
    """A successful login forgets the account's failures (not the address's)."""
    row = _row(session, key)
    if row is not None:
        session.delete(row)
        session.commit()
