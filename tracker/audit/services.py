"""Writing and reading the audit trail; callers pass who acted (an Actor) explicitly."""

from dataclasses import dataclass

from sqlmodel import Session, select

from tracker.audit.models import AuditEntry

ACTIONS = {
    "create": "新建",
    "update": "修改",
    "archive": "归档",
    "restore": "恢复",
    "import": "导入",
    "upload": "上传",
    "export": "导出",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "permission": "权限变更",
    "user": "用户管理",
    "token": "令牌",
    "acknowledge": "确认预警",
}


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
) -> AuditEntry:
    entry = AuditEntry(
        user_id=actor.user_id,
        username=actor.username,
        address=actor.address,
        action=action,
        entity=entity,
        entity_id=_text(entity_id),
        project_id=project_id,
        detail=detail,
    )
    session.add(entry)
    return entry


def record_changes(
    session: Session,
    *,
    actor: Actor,
    entity: str,
    entity_id,
    project_id: int | None,
    changes: dict[str, tuple],
    action: str = "update",
) -> None:
    """One entry per changed field: field, old value, new value."""
    for field, (old, new) in changes.items():
        session.add(
            AuditEntry(
                user_id=actor.user_id,
                username=actor.username,
                address=actor.address,
                action=action,
                entity=entity,
                entity_id=_text(entity_id),
                project_id=project_id,
                field=field,
                old_value=_text(old),
                new_value=_text(new),
            )
        )


def project_history(session: Session, project_id: int, limit: int = 200) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.project_id == project_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.exec(query))
