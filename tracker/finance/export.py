"""Pivots as downloads: XLSX (bold frozen header, 万元/亿元 number formats) and CSV with BOM."""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.dataio.exporter import safe_cell
from tracker.finance.logic import exact_text
from tracker.money import UNIT_FEN

# Excel shows two decimals; the cell keeps the exact value (万元 to 6 places, 亿元 to 10).
NUMBER_FORMATS = {"万元": '#,##0.00"万元"', "亿元": '#,##0.00"亿元"'}
RATE_FORMAT = '0.0"%"'


def headers(columns, unit: str) -> list[str]:
    return [f"{c.header}（{unit}）" if c.kind == "money" else c.header for c in columns]


def _cell_value(column, value, unit: str):
    if value is None:
        return None
    if column.kind == "money":
        return Decimal(value) / UNIT_FEN[unit]
    if column.kind in ("count", "rate"):
        return value
    return safe_cell(str(value))


def _csv_text(column, value, unit: str) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return exact_text(value, unit)
    return safe_cell(str(value))


def to_csv(columns, rows: list[dict], total: dict, unit: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(columns, unit))
    for row in [*rows, total]:
        writer.writerow([_csv_text(c, row.get(c.key), unit) for c in columns])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def to_xlsx(columns, rows: list[dict], total: dict, unit: str, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers(columns, unit))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append([_cell_value(c, row.get(c.key), unit) for c in columns])
    sheet.append([_cell_value(c, total.get(c.key), unit) for c in columns])
    last = sheet.max_row
    for cell in sheet[last]:
        cell.font = Font(bold=True)
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        number_format = NUMBER_FORMATS[unit] if column.kind == "money" else None
        if column.kind == "rate":
            number_format = RATE_FORMAT
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = number_format
        sheet.column_dimensions[letter].width = 34 if column.key == "label" else 18
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
