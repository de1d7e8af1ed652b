"""Words for what the audit trail stores in code form: actions, entities, fields and their values.

Each domain registers its own entity, field labels and value formatters at init_app
(`register_entity`); the audit trail itself knows only its own actions and entities."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context

EMPTY = "（空）"

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
    "refused": "请求被拒绝",
    "submit": "提交",
    "review": "审核",
    "delete": "删除",
    "purge": "清理",
    "snapshot": "封存",
}

# The audit trail's own entities; domains add theirs.
OWN_ENTITIES = {"request": "请求", "audit": "操作日志"}


def plain(value) -> str:
    """A stored value in words: empty → （空）, True/False → 是/否, lists joined with 、."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool) or value in ("True", "False"):
        return "是" if value in (True, "True") else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) if value else "（无）"
    return str(value)


@dataclass(frozen=True)
class FieldLabel:
    """How one field of an entity reads: its label, and its values in words."""

    label: str
    shown: Callable[[object], str] = plain
    secret: bool = False  # a change is named, its values never shown (a password)


@dataclass
class Registry:
    entities: dict[str, str] = field(default_factory=lambda: dict(OWN_ENTITIES))
    fields: dict[str, dict[str, FieldLabel]] = field(default_factory=dict)


_FALLBACK = Registry()  # outside an app (a script, a unit test): the audit trail's own words


def init_app(app: Flask) -> None:
    app.extensions["audit_labels"] = Registry()


def register_entity(
    app: Flask, entity: str, label: str, fields: Mapping[str, str | FieldLabel] | None = None
) -> None:
    """A domain names an entity it records and the fields of its changes (label, or FieldLabel
    with a formatter); registering again adds fields."""
    registry: Registry = app.extensions["audit_labels"]
    registry.entities[entity] = label
    known = registry.fields.setdefault(entity, {})
    for name, value in (fields or {}).items():
        known[name] = value if isinstance(value, FieldLabel) else FieldLabel(value)


def registry() -> Registry:
    if has_app_context():
        return current_app.extensions.get("audit_labels", _FALLBACK)
    return _FALLBACK


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def entity_label(entity: str) -> str:
    return registry().entities.get(entity, entity)


def field_info(entity: str, name: str) -> FieldLabel:
    """The label of a field; a field stored before labels were registered (「交付使用·实际完成日期」,
    「交付使用·is_estimate」) is read as item·field."""
    fields = registry().fields.get(entity, {})
    if name in fields:
        return fields[name]
    item, dot, rest = name.partition("·")
    if dot and rest in fields:
        return FieldLabel(f"{item}·{fields[rest].label}", fields[rest].shown, fields[rest].secret)
    return FieldLabel(name)


def field_label(name: str, entity: str = "") -> str:
    """A field's label (for entries of any entity when `entity` is not given)."""
    if not name:
        return ""
    if entity:
        return field_info(entity, name).label
    for fields in registry().fields.values():
        if name in fields:
            return fields[name].label
    return name
