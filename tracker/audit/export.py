"""The audit trail as CSV (UTF-8 with BOM) or XLSX, through the one table writer (formula-safe text,
printable: titled, dated, A3 landscape with the header on every page)."""

from datetime import date

from tracker.audit.describe import sentences
from tracker.audit.labels import action_label, entity_label, field_label
from tracker.clock import local
from tracker.tabular import Column, Sheet, csv_bytes, workbook

COLUMNS = [
    Column("时间", 18),
    Column("操作人", 12, "long"),
    Column("来源地址", 15),
    Column("操作", 10),
    Column("对象", 8),
    Column("对象编号", 14, "long"),
    Column("项目", 12),
    Column("字段", 16, "long"),
    Column("原值", 30, "long"),
    Column("新值", 30, "long"),
    Column("说明", 40, "long"),
]
HEADERS = [c.header for c in COLUMNS]


def entry_row(entry, project_codes: dict[int, str]) -> list[str]:
    at = local(entry.at)
    return [
        at.strftime("%Y-%m-%d %H:%M:%S") if at else "",
        entry.username,
        entry.address,
        action_label(entry.action),
        entity_label(entry.entity),
        entry.entity_id,
        project_codes.get(entry.project_id, "") if entry.project_id else "",
        field_label(entry.field, entry.entity),
        entry.old_value,
        entry.new_value,
        "；".join(sentences(entry)),  # one entry per save: its changes in words
    ]


def describe(f, code: str = "") -> str:
    """The audit filter in Chinese, for the export's 范围 line."""
    parts = [
        f"操作人：{f.username}" if f.username else "",
        f"操作：{action_label(f.action)}" if f.action else "",
        f"项目：{code}" if code else "",
        f"日期：{f.date_from or '…'} 至 {f.date_to or '…'}" if f.date_from or f.date_to else "",
    ]
    return "；".join(p for p in parts if p) or "全部记录"


def to_csv(entries, project_codes: dict[int, str]) -> bytes:
    return csv_bytes(HEADERS, (entry_row(e, project_codes) for e in entries))


def to_xlsx(
    entries, project_codes: dict[int, str], *, as_of: date, jurisdiction: str, scope: str
) -> bytes:
    sheet = Sheet(
        name="操作日志",
        title="学校建设项目管理操作日志",
        columns=COLUMNS,
        rows=(entry_row(e, project_codes) for e in entries),
        scope=f"{scope}；共 {len(entries):,} 条",
        frozen_columns=2,
    )
    return workbook([sheet], jurisdiction=jurisdiction, as_of=as_of)
