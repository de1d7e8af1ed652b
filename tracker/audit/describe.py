"""An audit entry in words: what was done, field by field, in the words each domain registered.

One format everywhere (project history, the 操作日志 page, exports, the 409 page):
「修改了 总投资：1.20 亿元 → 1.30 亿元」, 「修改了 交付使用 的实际日期：（空）→ 2026-09-01」, and with
who and when (Asia/Shanghai) 「张三 于 2026-12-01 21:51 修改了 …」."""

from datetime import datetime

from tracker.audit.labels import FieldLabel, action_label, entity_label, field_info
from tracker.clock import local


def when(at: datetime | None) -> str:
    """An instant as the bureau reads it: Asia/Shanghai, minutes."""
    shown = local(at)
    return shown.strftime("%Y-%m-%d %H:%M") if shown else ""


def change_sentence(entity: str, change: dict) -> str:
    kind, item, name = change.get("kind", ""), change.get("item", ""), change.get("field", "")
    info: FieldLabel = field_info(entity, name)
    if kind == "added":  # a row of the record: 「新增了 交付使用」「新增了 负责的项目 P00003 …」
        return f"新增了 {info.label} {item}" if name else f"新增了 {item}"
    if kind == "removed":
        return f"移除了 {info.label} {item}" if name else f"删除了 {item}"
    subject = f"{item} 的{info.label}" if item else info.label
    if info.secret:
        return f"修改了 {subject}"
    return f"修改了 {subject}：{info.shown(change.get('old'))} → {info.shown(change.get('new'))}"


def sentences(entry) -> list[str]:
    """What one entry says, one sentence per change (the detail first, when there is one)."""
    lines = [entry.detail] if entry.detail else []
    if entry.changes:
        lines += [change_sentence(entry.entity, c) for c in entry.changes]
    elif entry.field:  # an entry from before one-entry-per-save: one field per row
        lines.append(
            change_sentence(
                entry.entity,
                {"field": entry.field, "old": entry.old_value, "new": entry.new_value},
            )
        )
    return lines


def headline(entry) -> str:
    """「修改 里程碑」: the action and what kind of record it was done to."""
    return f"{action_label(entry.action)} {entity_label(entry.entity)}".strip()


def lines_with_author(entry) -> list[str]:
    """「张三 于 2026-12-01 21:51 修改了 …」, one per sentence of the entry."""
    prefix = f"{entry.username} 于 {when(entry.at)}"
    said = sentences(entry) or [f"{action_label(entry.action)}了{entity_label(entry.entity)}"]
    return [f"{prefix} {s}" for s in said]
