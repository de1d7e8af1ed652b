"""Cell text both ways: only what a worksheet can hold, formula-safe when written, restored when read."""

import re

# Text a spreadsheet would run as a formula when a user edits the cell (or opens a CSV).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A worksheet is XML 1.0, which cannot hold these C0 controls or U+FFFE/U+FFFF; lone surrogates
# cannot even be encoded. Tab and line breaks are kept.
UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


def holdable(text: str) -> str:
    """`text` without the characters a worksheet (or a CSV reader) chokes on, cut to one cell's limit.

    One bad stored row must never break a download: this is the writer's last line of defence,
    whatever the input gate let through before."""
    return UNHOLDABLE.sub("", text)[:MAX_CELL_CHARS]


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run, also behind apostrophes (「'=…」 is escaped once more)."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def safe_cell(text: str) -> str:
    """Text that Excel/WPS will not run as a formula: a leading apostrophe neutralises it.

    Text already behind an apostrophe (「'=…」) gets one more, so that import, which removes
    exactly one, gives back what was stored."""
    return "'" + text if looks_like_formula(text) else text


def unescape_cell(text: str) -> str:
    """Undo the apostrophe our exports put before text that would otherwise run as a formula."""
    if text.startswith("'") and looks_like_formula(text):
        return text[1:]
    return text


def normalise_header(text: str) -> str:
    """Compare headers without spaces, line breaks or the width of brackets."""
    text = re.sub(r"\s+", "", text or "")
    return text.replace("(", "（").replace(")", "）")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
