"""The one writer of every spreadsheet the app hands out: XLSX laid out to print like a bureau's
table, and CSV with a BOM for Excel/WPS.

XlsxWriter in constant-memory mode (rows stream to a temporary file; chosen by measurement over
openpyxl's write-only mode, see the README). Each sheet gets a title row naming the jurisdiction
and the table, a line 「数据截至 … 单位 … 范围 …」, the header repeated on every printed page,
landscape A4 (A3 when the columns need it) fitted to one page wide, frozen identifying columns,
wrapped long text, the app's own 合计 row (a value, never a formula) and 「第 N 页 共 M 页」.
Every text cell is cut to what a worksheet can hold and made formula-safe here, not by callers."""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from math import isfinite

import xlsxwriter

from tracker.tabular.cells import holdable, safe_cell

BOM = b"\xef\xbb\xbf"
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "long", "amount", "money", "count", "rate")
FONT = "宋体"  # what Chinese offices print tables in; LibreOffice and WPS substitute when missing
A4, A3 = 9, 8  # Excel paper codes
# Printed width (in Excel column units) beyond which A4 landscape would shrink text below ~80 %.
A4_MAX_WIDTH = 185
HEADER_ROW = 2  # 0-based: title, note, header


@dataclass(frozen=True)
class Column:
    """One column: its header, width in Excel units and kind:
    text (one line), long (wrapped), amount (exact text, right-aligned), money (a number in the
    sheet's money format), count (whole number), rate (percent, one decimal)."""

    header: str
    width: float = 12
    kind: str = "text"

    def __post_init__(self):
        assert self.kind in KINDS, self.kind


@dataclass
class Sheet:
    """A table to write. `rows` may be a generator: it is consumed once, row by row."""

    name: str  # the worksheet tab
    title: str  # the table's name in the title row, after the jurisdiction
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    total: Sequence | None = None  # the 合计 row, computed by the app
    unit: str = ""  # 「亿元」 → 「单位：亿元」
    scope: str = ""  # the filter in Chinese, e.g. 「学段：幼儿园」
    frozen_columns: int = 0  # identifying columns kept in view (序号, 项目名称)
    printed_columns: int | None = None  # print only the first N (the rest stay for re-import)
    money_format: str = "#,##0.00"
    rate_format: str = "0.0"
    empty_note: str = "（没有符合条件的数据）"


def date_cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def workbook(sheets: Sequence[Sheet], *, jurisdiction: str, as_of: date, active: int = 0) -> bytes:
    """All `sheets` in one XLSX (the `active` one opens first)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            # Text stays text: never turned into numbers, formulas or links behind our back.
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties({"title": sheets[0].title if sheets else "", "author": jurisdiction})
    formats = _Formats(book)
    names: set[str] = set()
    for index, sheet in enumerate(sheets):
        worksheet = book.add_worksheet(_sheet_name(sheet.name, names))
        if index == active:
            worksheet.activate()
        _write_sheet(worksheet, sheet, formats, jurisdiction, as_of)
    book.close()
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """CSV with a BOM (Excel/WPS read UTF-8 only with it); text formula-safe and holdable."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_text(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return BOM + out.getvalue().encode("utf-8")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | Decimal | float):
        return str(value)
    return _text(value)


def _text(value) -> str:
    return safe_cell(holdable(str(value)))


def _sheet_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", holdable(name)).strip("'")[:31] or "表"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


class _Formats:
    """Cell formats, made once per workbook: by kind, plain or bold (the 合计 row)."""

    def __init__(self, book):
        self.book = book
        base = {"font_name": FONT, "font_size": 10, "border": 1, "valign": "vcenter"}
        self.title = book.add_format(
            {"font_name": FONT, "font_size": 16, "bold": True, "align": "center"}
            | {"valign": "vcenter"}
        )
        self.note = book.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter"})
        self.header = book.add_format(
            base | {"bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9D9D9"}
        )
        self.base = base
        self._cache: dict[tuple, object] = {}

    def cell(self, kind: str, bold: bool, sheet: Sheet):
        key = (kind, bold, sheet.money_format, sheet.rate_format)
        if key not in self._cache:
            spec = dict(self.base) | {"bold": bold}
            if kind == "long":
                spec |= {"text_wrap": True}
            elif kind == "amount":
                spec |= {"align": "right"}
            elif kind == "money":
                spec |= {"num_format": sheet.money_format}
            elif kind == "count":
                spec |= {"num_format": "0"}
            elif kind == "rate":
                spec |= {"num_format": sheet.rate_format}
            self._cache[key] = self.book.add_format(spec)
        return self._cache[key]


def _write_sheet(ws, sheet: Sheet, formats: _Formats, jurisdiction: str, as_of: date) -> None:
    columns = list(sheet.columns)
    printed = min(sheet.printed_columns or len(columns), len(columns)) - 1
    for i, column in enumerate(columns):
        ws.set_column(i, i, column.width)
    _page_setup(ws, columns[: printed + 1])
    _heading(ws, sheet, formats, f"{jurisdiction}{sheet.title}", as_of, printed)
    plain = [
        _writer(ws, c.kind, formats.cell(c.kind, False, sheet), keep_blank=i <= printed)
        for i, c in enumerate(columns)
    ]
    height = _Heights(columns[: printed + 1])
    row = HEADER_ROW
    for values in sheet.rows:
        row += 1
        ws.set_row(row, height(values))  # before the cells: rows stream out in order
        for i, value in enumerate(values):
            plain[i](row, i, value)
    if row == HEADER_ROW and sheet.total is None:
        row += 1
        ws.merge_range(row, 0, row, max(printed, 1), sheet.empty_note, formats.note)
    if sheet.total is not None:
        row += 1
        bold = [_writer(ws, c.kind, formats.cell(c.kind, True, sheet)) for c in columns]
        ws.set_row(row, height(sheet.total))
        for i, value in enumerate(sheet.total):
            bold[i](row, i, value)
    ws.print_area(0, 0, max(row, HEADER_ROW), printed)
    ws.freeze_panes(HEADER_ROW + 1, sheet.frozen_columns)


def _heading(ws, sheet: Sheet, formats: _Formats, title: str, as_of: date, printed: int) -> None:
    """The title row, the line 「数据截至 … 单位 … 范围 …」 and the header row."""
    parts = (
        f"数据截至 {date_cn(as_of)}",
        f"单位：{sheet.unit}" if sheet.unit else "",
        f"范围：{sheet.scope}" if sheet.scope else "",
    )
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, max(printed, 1), _text(title), formats.title)
    ws.set_row(1, 20)
    ws.merge_range(
        1, 0, 1, max(printed, 1), _text("　　".join(p for p in parts if p)), formats.note
    )
    headers = [_header_text(c) for c in sheet.columns]
    ws.set_row(HEADER_ROW, _Heights(sheet.columns[: printed + 1], every=True)(headers))
    for i, header in enumerate(headers):
        ws.write_string(HEADER_ROW, i, header, formats.header)


def _units(text: str) -> int:
    """Width in column units: about two for a CJK character, one for a Latin one."""
    return (len(text.encode()) + len(text)) // 2


def _header_text(column: Column) -> str:
    """A header too wide for its column breaks before its unit 「（亿元）」, never inside it."""
    text = _text(column.header)
    cut = text.rfind("（")
    if cut > 0 and "\n" not in text and _units(text) > column.width - 1:
        text = text[:cut] + "\n" + text[cut:]
    return text


class _Heights:
    """Row height (points) for wrapped text, estimated from the text's width in the printed columns.

    Neither LibreOffice nor Excel re-measures the rows of a generated file before printing, so
    without a height a wrapped cell shows one line and hides the rest. A CJK character is about
    two column units wide at 10 pt, a Latin one about one (UTF-8 length gives that cheaply)."""

    LINE_PT = 14.0
    PAD_PT = 4.0
    MIN_PT = 18.0

    def __init__(self, columns: Sequence[Column], every: bool = False):
        self.wrapped = [
            (i, max(1, int(c.width * 1.0) - 1))
            for i, c in enumerate(columns)
            if every or c.kind == "long"
        ]

    def __call__(self, values: Sequence) -> float:
        lines = 1
        for i, per_line in self.wrapped:
            if i >= len(values) or values[i] is None:
                continue
            text = values[i] if isinstance(values[i], str) else str(values[i])
            count = 0
            for part in text.split("\n"):
                count += max(1, -(-_units(part) // per_line))
            lines = max(lines, count)
        return max(self.MIN_PT, lines * self.LINE_PT + self.PAD_PT)


def _page_setup(ws, printed: list[Column]) -> None:
    ws.set_landscape()
    ws.set_paper(A4 if sum(c.width for c in printed) <= A4_MAX_WIDTH else A3)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.repeat_rows(HEADER_ROW)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&C第 &P 页 共 &N 页", {"margin": 0.25})


def _writer(ws, kind: str, fmt, keep_blank: bool = True):
    """A function (row, col, value) → cell, specialised per column kind (this is the hot loop).

    It calls XlsxWriter's own _write_* methods: the public ones only add A1-notation parsing on
    top, about a tenth of the time per cell (XlsxWriter is pinned in requirements.txt)."""
    write_string, write_number = ws._write_string, ws._write_number
    # An empty cell outside the print area needs no border: leave it out (a third of the cells
    # of a project table).
    write_blank = ws._write_blank if keep_blank else lambda *args: None

    def text(row, col, value):
        if value is None or value == "":
            write_blank(row, col, None, fmt)
        else:
            write_string(
                row, col, safe_cell(holdable(value if type(value) is str else str(value))), fmt
            )

    def number(row, col, value):
        if value is None or value == "":
            write_blank(row, col, None, fmt)
        elif type(value) in (int, float, Decimal) or isinstance(value, int | float | Decimal):
            value = float(value)  # what the cell holds anyway (XlsxWriter writes 16 digits)
            if isfinite(value):
                write_number(row, col, value, fmt)
            else:
                write_blank(row, col, None, fmt)
        else:
            text(row, col, value)

    return number if kind in ("money", "count", "rate") else text
