"""Personal API tokens: random, shown once, stored as SHA-256, revocable by their owner."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from tracker.accounts.models import ApiToken, User
from tracker.audit.services import Actor, record

PREFIX = "trk_"
MAX_ACTIVE = 10


class TokenError(ValueError):
    """A user-facing problem with a token request (Chinese message)."""


def digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (no salt or key stretching needed).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, *, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the stored row and the token text, which is never stored and shown only once."""
    if len(active_tokens(session, user.id)) >= MAX_ACTIVE:
        raise TokenError(f"每人最多 {MAX_ACTIVE} 个有效令牌，请先撤销不用的令牌")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name.strip()[:80], token_hash=digest(token), prefix=token[:10]
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="token",
        entity="user",
        entity_id=user.username,
        detail=f"创建 API 令牌「{row.name}」（{row.prefix}…）",
    )
    return row, token


def active_tokens(session: Session, user_id: int) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    return list(session.exec(query.order_by(ApiToken.id)))


def user_tokens(session: Session, user_id: int) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user_id)
    return list(session.exec(query.order_by(ApiToken.id.desc())))


def revoke(session: Session, *, actor: Actor, user: User, token_id: int, now: datetime) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise TokenError("找不到这个令牌")
    if row.revoked_at is not None:
        return
    row.revoked_at = now
    session.add(row)
    record(
        session,
        actor=actor,
        action="token",
        entity="user",
        entity_id=user.username,
        detail=f"撤销 API 令牌「{row.name}」（{row.prefix}…）",
    )
    session.flush()


def lookup(session: Session, token: str) -> tuple[ApiToken | None, User | None]:
    """The token row and its user; the user is None when the token is unknown, revoked or the
    account disabled."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None, None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest(token))).first()
    if row is None or row.revoked_at is not None:
        return row, None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return row, None
    return row, user


def touch(row: ApiToken, now: datetime) -> None:
    """Note the last use, at most once a minute (an API client may call often)."""
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > timedelta(minutes=1):
        row.last_used_at = now
