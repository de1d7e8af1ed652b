"""Audit entries: written once, never updated or deleted."""

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index, Text, event
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc


class AuditEntry(SQLModel, table=True):
    """One recorded action. A save is one entry: `changes` lists its fields as
    [{"field", "old", "new", "item"?, "kind"?}] and `version` is the record's version after it.
    Entries written before that (one row per field in `field`/`old_value`/`new_value`) stay
    readable."""

    __tablename__ = "audit_entry"
    # What a stale form asks: the entries of one record after a version.
    __table_args__ = (Index("ix_audit_entry_record_version", "entity", "entity_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=now_utc,
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True),
    )
    user_id: int | None = Field(default=None, index=True)
    username: str = Field(default="", max_length=80, index=True)
    address: str = Field(default="", max_length=64)
    action: str = Field(max_length=40, index=True)
    entity: str = Field(default="", max_length=40)
    entity_id: str = Field(default="", max_length=80)
    project_id: int | None = Field(default=None, index=True)
    field: str = Field(default="", max_length=80)
    old_value: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    new_value: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    changes: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    version: int | None = Field(default=None)


def _refuse_change(_mapper, _connection, target):
    raise RuntimeError(f"the audit trail is append-only (entry {target.id})")


# Written once: the ORM refuses to update or delete an entry (the app never tries to).
event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
