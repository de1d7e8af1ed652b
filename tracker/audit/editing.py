"""One way to edit a versioned record: check the version the form was loaded at, apply the
change, bump the version, record one audit entry, flush. A stale form raises `Conflict`, which
the web layer answers with its one 409 page.

Every domain that edits (projects, imports, milestones, finance, targets, users, locations)
goes through `apply_change`."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context, request
from sqlalchemy import inspect, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from tracker.audit.describe import lines_with_author
from tracker.audit.labels import entity_label
from tracker.audit.models import AuditEntry
from tracker.audit.services import Actor, record
from tracker.clock import now_utc

MAX_LINES = 30


@dataclass(frozen=True)
class Change:
    """One field of a save: `item` names the row inside the record (a milestone, a year, a
    funding source); `kind` is "added" or "removed" for a whole row."""

    field: str
    old: object = None
    new: object = None
    item: str = ""
    kind: str = ""

    def as_json(self) -> dict:
        data = {"field": self.field, "old": _stored(self.old), "new": _stored(self.new)}
        if self.item:
            data["item"] = self.item
        if self.kind:
            data["kind"] = self.kind
        return data


def _stored(value):
    """A value as the audit entry keeps it (JSON): numbers, text, true/false, lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_stored(v) for v in value]
    return str(value)


class Conflict(Exception):
    """A save refused because someone saved the record after the form was loaded.

    `changes` are what the others did, one line each, with who and when (Asia/Shanghai)."""

    def __init__(self, entity: str, entity_id, changes: list[str], title: str = ""):
        super().__init__(f"{entity} {entity_id} changed after the form was loaded")
        self.entity = entity
        self.entity_id = str(entity_id)
        self.changes = changes
        self.title = title or f"{entity_label(entity)} {self.entity_id}".strip()


def changes_since(session: Session, *, entity: str, entity_id, version: int) -> list[str]:
    """What was saved to a record after `version`, oldest first, one line per change."""
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity == entity,
            AuditEntry.entity_id == str(entity_id),
            AuditEntry.version > version,
        )
        .order_by(AuditEntry.id)
        .limit(MAX_LINES)
    )
    lines = [line for entry in entries for line in lines_with_author(entry)]
    return lines[:MAX_LINES] or ["另一位用户在你打开表单之后保存了修改"]


def conflict(
    session: Session, *, entity: str, entity_id, version: int | None, title: str = ""
) -> Conflict:
    """The Conflict for a form loaded at `version` (None or unreadable: counted as 0)."""
    lines = changes_since(session, entity=entity, entity_id=entity_id, version=version or 0)
    return Conflict(entity, entity_id, lines, title)


def diff(record, values: Mapping) -> list[Change]:
    """The fields whose value differs from the record's."""
    return [
        Change(name, getattr(record, name), value)
        for name, value in values.items()
        if getattr(record, name) != value
    ]


def apply_change(
    session: Session,
    *,
    actor: Actor,
    record,
    expected_version: int | None,
    entity: str,
    entity_id,
    values: Mapping | None = None,
    mutate: Callable[[], Iterable[Change]] | None = None,
    project_id: int | None = None,
    action: str = "update",
    detail: str = "",
    title: str = "",
    flush: bool = True,
) -> list[Change]:
    """Apply a versioned change to `record` (a row with `version`, and `updated_at` if it has
    one) and record it as one audit entry; returns the changes (empty: nothing was written).

    `expected_version` is the version the form was loaded at (None: no check, for imports and
    loaders). `values` are fields of the record; `mutate()` changes rows that belong to it (a
    project's milestones, a sheet's years) and returns those changes. An entry is written when
    something changed or `detail` says what was done."""
    where = {"entity": entity, "entity_id": entity_id, "title": title}
    if expected_version is not None and expected_version != record.version:
        raise conflict(session, version=expected_version, **where)
    changes = diff(record, values or {})
    for change in changes:
        setattr(record, change.field, change.new)
    if mutate is not None:
        changes += list(mutate())
    if not changes and not detail:
        return []
    _bump(session, record, checked=expected_version is not None, where=where)
    record_change(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        project_id=project_id,
        detail=detail,
        changes=changes,
        version=record.version,
    )
    if flush:
        session.flush()
    return changes


def record_change(session: Session, *, changes: list[Change], version: int | None, **fields):
    """One audit entry for a save (also for writes outside apply_change, e.g. a new record)."""
    return record(
        session, changes=[c.as_json() for c in changes] or None, version=version, **fields
    )


def _bump(session: Session, row, *, checked: bool, where: dict) -> None:
    """version + 1 and updated_at = now. A checked save of a stored row does it as one
    compare-and-set UPDATE, so two saves racing from the same version cannot both win."""
    now = now_utc()
    state = inspect(row)
    table = state.mapper.local_table
    new = (row.version or 0) + 1
    stamped = "updated_at" in table.c
    if not (checked and state.persistent):
        row.version = new
        if stamped:
            row.updated_at = now
        session.add(row)
        return
    stored = {"version": new} | ({"updated_at": now} if stamped else {})
    keys = [
        column == value
        for column, value in zip(state.mapper.primary_key, state.identity, strict=True)
    ]
    result = session.execute(
        update(table).where(*keys, table.c.version == row.version).values(**stored)
    )
    if result.rowcount != 1:
        raise conflict(session, version=row.version, **where)
    for name, value in stored.items():
        set_committed_value(row, name, value)


class KeepsInput:
    """Mix into an edit form (before FlaskForm): when its save meets a Conflict, the 409 page
    shows back what was typed, so nothing is lost."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        posted = kwargs.get("formdata", True) is not None
        if has_request_context() and request.method == "POST" and posted:
            g.setdefault("submitted_form", self)
