"""Users, their project assignments, API tokens and the failed-login counters."""

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc


def _moment(**kwargs):
    return Column(DateTime(timezone=True), **kwargs)


class User(SQLModel, table=True):
    """A person who signs in; disabled, never deleted, so the audit trail keeps its names."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(default="", max_length=80)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    is_active: bool = True
    version: int = 1
    created_at: datetime = Field(default_factory=now_utc, sa_column=_moment(nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))


class ProjectAssignment(SQLModel, table=True):
    """A project manager (项目负责人) responsible for a project."""

    __tablename__ = "project_assignment"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)


class ApiToken(SQLModel, table=True):
    """A personal API token: only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(default="", max_length=80)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16)  # the first characters, so the owner can tell tokens apart
    created_at: datetime = Field(default_factory=now_utc, sa_column=_moment(nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))


class LoginThrottle(SQLModel, table=True):
    """Consecutive failed logins for one account ("user:NAME") or one address ("addr:IP").
    Kept in the database so every worker process sees the same counts."""

    __tablename__ = "login_throttle"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True, index=True)
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    locked_until: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
