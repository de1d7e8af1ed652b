"""Apply a validated import plan: new projects inserted in bulk, known codes updated in place."""

import re
from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import Session, col, select

from tracker import extend
from tracker.audit import Actor, record
from tracker.audit.models import AuditEntry
from tracker.clock import now_utc, today
from tracker.dataio.importer import ImportPlan
from tracker.projects.models import Project, ProjectBase
from tracker.projects.services import update_project

_GENERATED = re.compile(r"^P\d{1,9}$")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def apply_plan(session: Session, *, actor: Actor, plan: ImportPlan, filename: str) -> ImportResult:
    assert not plan.errors, "an import with errors must not be applied"
    existing = _existing(session, plan.rows)
    new_code = _code_generator(session, plan.rows)
    now = now_utc()
    defaults = _defaults()
    new_rows, updated, unchanged = [], 0, 0
    for values in plan.rows:
        project = existing.get(values.get("code")) or existing.get(("name", values["name"]))
        if project is None:
            if not values.get("code"):
                values = {**values, "code": new_code()}
            new_rows.append(defaults | values | {"created_at": now, "updated_at": now})
            continue
        changes = update_project(
            session,
            actor=actor,
            project=project,
            values=values,
            expected_version=None,
            action="import",
            flush=False,
        )
        if changes:
            updated += 1
        else:
            unchanged += 1
    if new_rows:
        session.execute(insert(Project), new_rows)
        created_ids = _audit_created(session, actor, [r["code"] for r in new_rows], now)
        extend.projects_created(session, created_ids, today())
    record(
        session,
        actor=actor,
        action="import",
        entity="file",
        entity_id=filename[:80],
        detail=f"新增 {len(new_rows)} 个，更新 {updated} 个，未变 {unchanged} 个",
    )
    session.flush()
    return ImportResult(len(new_rows), updated, unchanged)


def _defaults() -> dict:
    return {
        name: f.get_default(call_default_factory=True)
        for name, f in ProjectBase.model_fields.items()
        if not f.is_required()
    } | {"archived": False, "version": 1}


def _existing(session: Session, rows: list[dict]) -> dict:
    codes = [r["code"] for r in rows if r.get("code")]
    names = [r["name"] for r in rows if not r.get("code")]
    found = {}
    for chunk in _chunks(codes):
        for p in session.exec(select(Project).where(Project.code.in_(chunk))):
            found[p.code] = p
    for chunk in _chunks(names):
        for p in session.exec(select(Project).where(Project.name.in_(chunk))):
            found[("name", p.name)] = p
    return found


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _code_generator(session: Session, rows: list[dict]):
    """Codes P00001, P00002 … for rows without one, never reusing a code in the database or file.

    Numbering continues after the highest P-number in use, so codes of archived projects or
    codes typed in by hand (「P00036」) are never handed out again."""
    taken = {r["code"] for r in rows if r.get("code")}
    taken.update(session.exec(select(Project.code).where(col(Project.code).like("P%"))).all())
    numbers = [int(code[1:]) for code in taken if _GENERATED.match(code)]
    state = {"next": max(numbers, default=0) + 1}

    def new_code() -> str:
        while (code := f"P{state['next']:05d}") in taken:
            state["next"] += 1
        taken.add(code)
        state["next"] += 1
        return code

    return new_code


def _audit_created(session: Session, actor: Actor, codes: list[str], now) -> list[int]:
    ids = {}
    for chunk in _chunks(codes):
        ids.update(
            session.exec(select(Project.code, Project.id).where(Project.code.in_(chunk))).all()
        )
    session.execute(
        insert(AuditEntry),
        [
            {
                "at": now,
                "user_id": actor.user_id,
                "username": actor.username,
                "address": actor.address,
                "action": "create",
                "entity": "project",
                "entity_id": code,
                "project_id": ids.get(code),
                "field": "",
                "old_value": "",
                "new_value": "",
                "detail": "导入",
                "changes": None,
                "version": 1,
            }
            for code in codes
        ],
    )
    return list(ids.values())
