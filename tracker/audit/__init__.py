"""The audit trail (操作日志): append-only records of who changed what, when and from where, and
the one way to edit a versioned record (check the version, apply, record, or raise Conflict)."""

from flask import Flask

from tracker.audit import describe, labels
from tracker.audit.editing import (
    Change,
    Conflict,
    KeepsInput,
    apply_change,
    changes_since,
    conflict,
    record_change,
)
from tracker.audit.labels import FieldLabel, register_entity
from tracker.audit.services import SYSTEM, Actor, record, record_now

__all__ = [
    "SYSTEM",
    "Actor",
    "Change",
    "Conflict",
    "FieldLabel",
    "KeepsInput",
    "apply_change",
    "changes_since",
    "conflict",
    "init_app",
    "record",
    "record_change",
    "record_now",
    "register_entity",
]


def init_app(app: Flask) -> None:
    """The label registry domains fill at their init_app, and the template filters that read it."""
    labels.init_app(app)
    app.jinja_env.filters.update(
        audit_action=labels.action_label,
        audit_entity=labels.entity_label,
        audit_lines=describe.sentences,
        audit_headline=describe.headline,
    )
