"""Roles and the actions each may take: the single table every route checks against."""

ROLES = {
    "admin": "管理员",
    "pm": "项目负责人",
    "finance": "财务",
    "leader": "领导",
    "viewer": "只读",
}

# action → roles allowed. "project-scoped" actions additionally need the PM to be assigned.
PERMISSIONS: dict[str, set[str]] = {
    "view": {"admin", "pm", "finance", "leader", "viewer"},
    "project.create": {"admin"},
    "project.edit": {"admin", "pm"},
    "project.archive": {"admin"},
    "project.import": {"admin"},
    "milestone.edit": {"admin", "pm"},
    "finance.edit": {"admin", "finance"},
    "export": {"admin", "pm", "finance", "leader"},
    "brief.print": {"admin", "pm", "finance", "leader", "viewer"},
    "alert.acknowledge": {"admin", "pm", "leader"},
    "target.edit": {"admin"},
    "users.manage": {"admin"},
    "audit.view_all": {"admin"},
}
PROJECT_SCOPED = {"project.edit", "milestone.edit"}


def role_allows(role: str, action: str) -> bool:
    return role in PERMISSIONS.get(action, set())


def can(role: str, action: str, *, assigned: bool = False) -> bool:
    """Pure decision: may a user with `role` take `action` (on a project they are/aren't assigned)?"""
    if not role_allows(role, action):
        return False
    if action in PROJECT_SCOPED and role == "pm":
        return assigned
    return True
