"""Pivots as downloads: XLSX (bold frozen header, 万元/亿元 number formats) and CSV with BOM."""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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
    """Streamed (write-only) workbook: one styled cell per column is refilled for every row,
    which keeps 10,000 rows well under a second."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for position, column in enumerate(columns, start=1):
        width = 34 if column.key == "label" else 18
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.append([_header_cell(sheet, text) for text in headers(columns, unit)])
    cells = [_body_cell(sheet, column, unit) for column in columns]
    for row in rows:
        for cell, column in zip(cells, columns, strict=True):
            cell.value = _cell_value(column, row.get(column.key), unit)
        sheet.append(cells)
    last = [_body_cell(sheet, column, unit, bold=True) for column in columns]
    for cell, column in zip(last, columns, strict=True):
        cell.value = _cell_value(column, total.get(column.key), unit)
    sheet.append(last)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_cell(text))
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDEBF7")
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def _body_cell(sheet, column, unit: str, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    if column.kind == "money":
        cell.number_format = NUMBER_FORMATS[unit]
    elif column.kind == "rate":
        cell.number_format = RATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell
