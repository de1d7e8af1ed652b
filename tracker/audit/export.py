"""The audit trail as CSV (UTF-8 with BOM) or XLSX; every cell is text and formula-safe."""

import csv
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from tracker.audit.describe import sentences
from tracker.audit.labels import action_label, entity_label, field_label
from tracker.clock import local
from tracker.dataio.exporter import safe_cell

HEADERS = [
    "时间",
    "操作人",
    "来源地址",
    "操作",
    "对象",
    "对象编号",
    "项目",
    "字段",
    "原值",
    "新值",
    "说明",
]


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


def to_csv(entries, project_codes: dict[int, str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for e in entries:
        writer.writerow([safe_cell(v or "") for v in entry_row(e, project_codes)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def to_xlsx(entries, project_codes: dict[int, str]) -> bytes:
    book = Workbook(write_only=True)  # streams rows: several times faster for long trails
    sheet = book.create_sheet("操作日志")
    for column, width in zip(
        "ABCDEFGHIJK", [20, 12, 16, 10, 8, 14, 12, 16, 30, 30, 40], strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for e in entries:
        sheet.append([safe_cell(v or "") for v in entry_row(e, project_codes)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
