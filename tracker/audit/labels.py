"""Chinese labels for what the audit trail stores in code form (actions, entities, field names)."""

from tracker.audit.services import ACTIONS

ENTITIES = {
    "project": "项目",
    "projects": "项目表",
    "user": "用户",
    "milestone": "里程碑",
    "investment": "投资",
    "file": "文件",
    "funding": "资金来源",
    "alert": "预警",
    "brief": "简报",
    "target": "规划目标",
    "request": "请求",
    "audit": "操作日志",
}

# Fields of other records: domains may add theirs with add_field_labels(); project fields come
# from the project form's own labels.
FIELD_LABELS: dict[str, str] = {
    "display_name": "姓名",
    "role": "角色",
    "is_active": "状态",
    "password": "密码",
    "archived": "归档",
    "total_investment_fen": "总投资",
    "window_investment_fen": "规划期内投资",
    "total_investment_text": "总投资（原文）",
    "window_investment_text": "规划期内投资（原文）",
    "land_area_m2": "用地面积（㎡）",
    "floor_area_m2": "建筑面积（㎡）",
    "planned_on": "计划日期",
    "forecast_on": "预计日期",
    "actual_on": "实际日期",
}


def add_field_labels(labels: dict[str, str]) -> None:
    FIELD_LABELS.update(labels)


def _form_labels() -> dict[str, str]:
    from wtforms.fields.core import UnboundField

    from tracker.projects.forms import ProjectForm

    found = {}
    for name in dir(ProjectForm):
        value = getattr(ProjectForm, name, None)
        if isinstance(value, UnboundField):
            label = value.args[0] if value.args else value.kwargs.get("label")
            if isinstance(label, str):
                found[name] = label
    return found


_PROJECT_LABELS: dict[str, str] | None = None


def field_label(field: str) -> str:
    global _PROJECT_LABELS
    if not field:
        return ""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    if _PROJECT_LABELS is None:
        _PROJECT_LABELS = _form_labels()
    return _PROJECT_LABELS.get(field, field)


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def entity_label(entity: str) -> str:
    return ENTITIES.get(entity, entity)
