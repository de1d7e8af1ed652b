"""Pivots as downloads: XLSX (bold frozen header, 万元/亿元 number formats) and CSV with BOM."""

import csv
import io

from tracker.dataio.exporter import safe_cell
from tracker.finance import xlsx
from tracker.finance.logic import exact_text

# Excel shows two decimals; the cell keeps the exact value (万元 to 6 places, 亿元 to 10).
NUMBER_FORMATS = {"万元": '#,##0.00"万元"', "亿元": '#,##0.00"亿元"'}
RATE_FORMAT = '0.0"%"'


def headers(columns, unit: str) -> list[str]:
    return [f"{c.header}（{unit}）" if c.kind == "money" else c.header for c in columns]


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


def _xlsx_value(column, value, unit: str):
    if value is None:
        return None
    if column.kind == "money":
        return exact_text(value, unit)  # exact decimal text; Excel shows two decimals
    if column.kind == "count":
        return int(value)
    if column.kind == "rate":
        return str(value)
    return safe_cell(str(value))


def to_xlsx(columns, rows: list[dict], total: dict, unit: str, title: str) -> bytes:
    def values(row):
        out = []
        for column in columns:
            value = _xlsx_value(column, row.get(column.key), unit)
            if column.kind in ("money", "rate") and value is not None:
                value = xlsx.Number(value)
            out.append(value)
        return out

    return xlsx.write(
        title=title,
        headers=[safe_cell(h) for h in headers(columns, unit)],
        kinds=[c.kind for c in columns],
        widths=[34 if c.key == "label" else 18 for c in columns],
        rows=[values(r) for r in [*rows, total]],
        last_bold=True,
        money_format=NUMBER_FORMATS[unit],
        rate_format=RATE_FORMAT,
    )
