"""The registry's answer to the project directory (tracker.extend): who needs project codes and
names below this floor (users' assignments, the audit trail) asks through it."""

from flask import Flask
from sqlmodel import Session, select

from tracker import extend
from tracker.projects.models import Project

CHUNK = 900


def _ref(row) -> extend.ProjectRef:
    return extend.ProjectRef(row.id, row.code, row.name, row.archived)


def refs(session: Session, ids=None) -> list[extend.ProjectRef]:
    columns = select(Project.id, Project.code, Project.name, Project.archived)
    order = (Project.archived, Project.code)
    if ids is None:
        return [_ref(r) for r in session.exec(columns.order_by(*order))]
    wanted = sorted(set(ids))
    found = [
        _ref(r)
        for start in range(0, len(wanted), CHUNK)
        for r in session.exec(columns.where(Project.id.in_(wanted[start : start + CHUNK])))
    ]
    return sorted(found, key=lambda r: (r.archived, r.code))


def find(session: Session, code: str) -> extend.ProjectRef | None:
    row = session.exec(
        select(Project.id, Project.code, Project.name, Project.archived).where(Project.code == code)
    ).first()
    return _ref(row) if row else None


def register(app: Flask) -> None:
    extend.set_project_directory(app, extend.ProjectDirectory(refs=refs, find=find))
