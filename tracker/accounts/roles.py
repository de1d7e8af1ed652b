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
    # Monthly reports: PMs file for their assigned projects; admins review (财务 does not: the
    # review judges progress and problems; finance gets the accepted month figure in its data).
    "report.file": {"admin", "pm"},
    "report.review": {"admin"},
}
PROJECT_SCOPED = {"project.edit", "milestone.edit", "report.file"}

# The actions in words, for refusals in the audit trail (「无权限：编辑里程碑（项目 P00003）」).
ACTION_LABELS = {
    "view": "查看",
    "project.create": "新建项目",
    "project.edit": "编辑项目",
    "project.archive": "归档项目",
    "project.import": "导入项目表",
    "milestone.edit": "编辑里程碑",
    "finance.edit": "编辑投资数据",
    "export": "导出",
    "brief.print": "打印简报",
    "alert.acknowledge": "确认预警",
    "target.edit": "编辑规划目标",
    "users.manage": "管理用户",
    "audit.view_all": "查看操作日志",
    "report.file": "填报月报",
    "report.review": "审核月报",
}


def role_allows(role: str, action: str) -> bool:
    return role in PERMISSIONS.get(action, set())


def can(role: str, action: str, *, assigned: bool = False) -> bool:
    """Pure decision: may a user with `role` take `action` (on a project they are/aren't assigned)?"""
    if not role_allows(role, action):
        return False
    if action in PROJECT_SCOPED and role == "pm":
        return assigned
    return True
