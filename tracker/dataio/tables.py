"""Turn an uploaded file into rows of cell text, whatever its encoding or format."""

import csv
import io
import re
from dataclasses import dataclass

from openpyxl import load_workbook

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / .et


class TableError(ValueError):
    """The file as a whole cannot be read (not a row problem)."""


@dataclass
class Sheet:
    """Rows of text cells; `numbers[i]` is the 1-based row number the user sees in Excel or WPS."""

    rows: list[list[str]]
    numbers: list[int]


def read_table(data: bytes, filename: str = "") -> Sheet:
    if not data or not data.strip():
        raise TableError("文件是空的")
    if data.startswith(OLE_MAGIC):
        raise TableError(
            "不支持旧版 .xls/.et 格式，请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再上传"
        )
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    if b"\x00" in data[:4096] or filename.lower().endswith((".pdf", ".doc", ".docx", ".zip")):
        raise TableError("文件格式不对：只接受 CSV（UTF-8 或 GB18030 编码）或 XLSX 表格")
    return _read_csv(_decode(data))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码：请另存为 UTF-8 或 GB18030 编码的 CSV")


def _read_csv(text: str) -> Sheet:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows, numbers = [], []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1):
            rows.append([unescape_cell(cell) for cell in row])
            numbers.append(number)
    except csv.Error as exc:
        raise TableError(f"CSV 文件格式有误（第 {len(rows) + 1} 行）：{exc}") from exc
    return Sheet(rows, numbers)


def _read_xlsx(data: bytes) -> Sheet:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError("XLSX 文件已损坏或不是有效的 Excel 文件") from exc
    sheet = book.worksheets[0]
    rows, numbers = [], []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append([unescape_cell(_cell_text(value)) for value in row])
        numbers.append(number)
    book.close()
    return Sheet(rows, numbers)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores 1.42 as a binary float: repr gives the shortest text that round-trips.
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run, also behind apostrophes (「'=…」 is escaped once more)."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def unescape_cell(text: str) -> str:
    """Undo the apostrophe our exports put before text that would otherwise run as a formula."""
    if text.startswith("'") and looks_like_formula(text):
        return text[1:]
    return text


def normalise_header(text: str) -> str:
    """Compare headers without spaces, line breaks or the width of brackets."""
    text = re.sub(r"\s+", "", text or "")
    return text.replace("(", "（").replace(")", "）")
