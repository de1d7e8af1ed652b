"""Any uploaded table → rows of cell text with the row numbers the user sees in Excel or WPS.

CSV in UTF-8 (with or without BOM), GB18030 or UTF-16 with BOM; XLSX checked from its zip directory
before openpyxl opens it, and read with bounded rows and cells. A formula cell gives the value the
file saved for it; the cells that were formulas are reported so the summary can say so."""

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook

from tracker.tabular.archive import ArchiveError, check_archive
from tracker.tabular.cells import UNHOLDABLE, column_letter, unescape_cell
from tracker.tabular.limits import Limits

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / .et
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!",
                "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}  # fmt: skip
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
# OOXML writes characters XML cannot hold as _xHHHH_, and a literal 「_x0041_」 as _x005F_x0041_;
# Excel shows the unescaped text, openpyxl does not unescape: we do, as Excel would.
_OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


class TableError(ValueError):
    """The file as a whole cannot be read (not a row problem); the message is for the user."""


@dataclass(frozen=True)
class FormulaCell:
    """A cell that held a formula: its row number, 0-based column, reference and saved value."""

    line: int
    column: int
    ref: str
    cached: str  # "" when the file holds no usable saved value


@dataclass
class Table:
    """Rows of text cells; `numbers[i]` is the 1-based row number the user sees in Excel or WPS."""

    rows: list[list[str]]
    numbers: list[int]
    formulas: list[FormulaCell] = field(default_factory=list)
    sheet_name: str = ""
    cleaned: list[tuple[int, int]] = field(default_factory=list)  # (line, column) of dropped chars

    def drop_unholdable(self) -> "Table":
        """Remove the characters a worksheet (and the database) cannot hold, noting each cell."""
        for row, line in zip(self.rows, self.numbers, strict=True):
            for column, cell in enumerate(row):
                if UNHOLDABLE.search(cell):
                    row[column] = UNHOLDABLE.sub("", cell)
                    self.cleaned.append((line, column))
        return self


def read_table(data: bytes, filename: str = "", limits: Limits | None = None) -> Table:
    limits = limits or Limits()
    if not data or not data.strip():
        raise TableError("文件是空的")
    if data.startswith(OLE_MAGIC):
        raise TableError(
            "不支持旧版 .xls/.et 格式，请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再上传"
        )
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, limits).drop_unholdable()
    if data.startswith(UTF16_BOMS):
        return _read_csv(_decode_utf16(data), limits).drop_unholdable()
    if b"\x00" in data[:4096] or filename.lower().endswith((".pdf", ".doc", ".docx", ".zip")):
        raise TableError("文件格式不对：只接受 CSV（UTF-8 或 GB18030 编码）或 XLSX 表格")
    return _read_csv(_decode(data), limits).drop_unholdable()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TableError("文件开头标明 UTF-8 编码，但内容不是有效的 UTF-8") from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码：请另存为 UTF-8 或 GB18030 编码的 CSV")


def _decode_utf16(data: bytes) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise TableError("文件开头标明 UTF-16 编码，但内容不是有效的 UTF-16") from exc


class _Budget:
    """Counts rows and cells as they are read; refuses past the caps (empty rows count too)."""

    def __init__(self, limits: Limits):
        self.limits, self.rows, self.cells = limits, 0, 0

    def take(self, width: int) -> None:
        self.rows += 1
        self.cells += width
        if self.rows > self.limits.max_rows:
            raise TableError(
                f"表格超过 {self.limits.max_rows:,} 行（空行也计算在内）：请删除多余的行，"
                "或分成几个文件上传"
            )
        if self.cells > self.limits.max_cells:
            raise TableError(
                f"表格超过 {self.limits.max_cells:,} 个单元格（含空单元格）：请删除多余的行和列，"
                "或分成几个文件上传"
            )


def _read_csv(text: str, limits: Limits) -> Table:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    budget = _Budget(limits)
    rows, numbers = [], []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1):
            budget.take(len(row))
            rows.append([unescape_cell(cell) for cell in row])
            numbers.append(number)
    except csv.Error as exc:
        raise TableError(f"CSV 文件格式有误（第 {len(rows) + 1} 行）") from exc
    return Table(rows, numbers)


def _read_xlsx(data: bytes, limits: Limits) -> Table:
    try:
        check_archive(data, limits)
    except ArchiveError as exc:
        raise TableError(str(exc)) from exc
    with warnings.catch_warnings():
        # openpyxl warns about styles, data validation, odd dates …: none of it matters here.
        warnings.simplefilter("ignore")
        try:
            table = _values(data, limits)
            if table.formulas is None:
                table.formulas = _formulas(data, limits, table)
        except TableError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TableError("XLSX 文件已损坏或不是有效的 Excel 文件") from exc
    return table


def _open(data: bytes, *, data_only: bool):
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    if not book.worksheets:
        book.close()
        raise TableError("XLSX 文件里没有工作表")
    sheet = book.worksheets[0]
    # Never trust the sheet's declared extent: a forged A1:XFD1048576 would make openpyxl pad
    # every row to 16,384 cells and yield a million rows.
    sheet.reset_dimensions()
    return book, sheet


def _values(data: bytes, limits: Limits) -> Table:
    book, sheet = _open(data, data_only=True)
    budget = _Budget(limits)
    rows, numbers = [], []
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            budget.take(len(row))
            rows.append([unescape_cell(_cell_text(value)) for value in row])
            numbers.append(number)
        has_formulas = _has_formulas(book._archive, sheet._worksheet_path)
    finally:
        book.close()
    return Table(rows, numbers, None if has_formulas else [], sheet.title)


def _has_formulas(archive: zipfile.ZipFile, path: str) -> bool:
    """Whether the sheet's XML holds any <f> element (scanned in chunks, never held whole)."""
    tail = b""
    with archive.open(path) as part:
        while chunk := part.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _formulas(data: bytes, limits: Limits, table: Table) -> list[FormulaCell]:
    """Second pass, only for sheets with formulas: which cells they are, with their saved values.

    A file saved by Excel, WPS or LibreOffice keeps each formula's last result; a file written by
    a script often keeps none. An empty saved value counts as a value only when the file saved
    results for its other formulas (a formula may well give an empty text)."""
    book, sheet = _open(data, data_only=False)
    budget = _Budget(limits)
    found = []
    try:
        for index, row in enumerate(sheet.iter_rows()):
            budget.take(len(row))
            for column, cell in enumerate(row):
                if getattr(cell, "data_type", None) == "f":
                    line = table.numbers[index]
                    cached = table.rows[index][column] if column < len(table.rows[index]) else ""
                    found.append((line, column, cached))
    finally:
        book.close()
    file_saved_results = any(cached for _, _, cached in found)
    cells = []
    for line, column, cached in found:
        if cached in EXCEL_ERRORS or (not cached and not file_saved_results):
            cached = ""
        elif not cached:
            continue  # a saved empty result: an ordinary empty cell
        cells.append(FormulaCell(line, column, f"{column_letter(column)}{line}", cached))
    return cells


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores 1.42 as a binary float: repr gives the shortest text that round-trips.
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    text = str(value)
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text
