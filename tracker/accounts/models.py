"""Users and their project assignments."""

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc


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
    created_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ProjectAssignment(SQLModel, table=True):
    """A project manager (项目负责人) responsible for a project."""

    __tablename__ = "project_assignment"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
