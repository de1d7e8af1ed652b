"""Every piece of text and every number the report forms take in is read here, in one place:
text cleaned (NFC, no control or bidi characters, a length limit), percent, money in 万元, dates.

When the shared gate (tracker.text / tracker.numbers) is on main, `clean` and `_digits` switch to
it; the forms call only these functions."""

import re
import unicodedata
from datetime import date

from tracker.money import MoneyError, parse_amount

# C0/C1 controls and DEL; bidi embeddings, overrides and isolates (they reorder what is shown:
# 「照片\u202egpj.exe」 reads as 「照片exe.jpg」); BOM and non-characters.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)))
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
_OTHER = "\ufeff\ufffe\uffff"
_DROP_ALL = str.maketrans(dict.fromkeys(_CONTROLS + _BIDI + _OTHER))
_DROP_MULTILINE = str.maketrans(
    dict.fromkeys(c for c in _CONTROLS + _BIDI + _OTHER if c not in "\n\t")
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－％", "0123456789.,-%")
_DATE = re.compile(r"^(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?$")


class InputError(ValueError):
    """Text that cannot be taken; str() is the Chinese message (without the field's name)."""


def clean(value: str | None, *, multiline: bool = False) -> str:
    """NFC, no controls or bidi characters (line breaks kept in multi-line text), trimmed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", _SURROGATES.sub("", str(value)))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_DROP_MULTILINE if multiline else _DROP_ALL)
    return text.strip()


def text(value: str | None, *, limit: int, multiline: bool = True) -> str:
    cleaned = clean(value, multiline=multiline)
    if len(cleaned) > limit:
        raise InputError(f"内容过长：{len(cleaned)} 字，最多 {limit} 字")
    return cleaned


def file_name(value: str | None) -> str:
    """An uploaded file's name as it may be shown: no folders, no controls, 200 characters."""
    name = clean(value).replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200]


def _digits(value: str | None) -> str:
    return clean(value).translate(_FULL_WIDTH).replace(" ", "")


def percent(value: str | None) -> int | None:
    """形象进度百分比: a whole number 0–100 (「65」「65%」「６５％」)."""
    raw = _digits(value).removesuffix("%")
    if not raw:
        return None
    if not re.fullmatch(r"-?\d{1,6}", raw):
        raise InputError(f"「{clean(value)[:20]}」不是 0–100 的整数")
    number = int(raw)
    if number < 0:
        raise InputError(f"不能为负数（{number}）")
    if number > 100:
        raise InputError(f"不能超过 100（填写的是 {number}）")
    return number


def wan(value: str | None) -> int | None:
    """An amount in 万元 → integer fen (exact, half-up to the fen); blank → None."""
    raw = _digits(value)
    if not raw:
        return None
    if len(raw) > 20:
        raise InputError("数字过长")
    try:
        return parse_amount(raw, "万元")
    except MoneyError as exc:
        raise InputError(str(exc)) from exc


def day(value: str | None) -> date | None:
    raw = _digits(value)
    if not raw:
        return None
    match = _DATE.match(raw)
    if not match:
        raise InputError(f"「{clean(value)[:20]}」不是日期，请按 2025-03-15 的格式填写")
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise InputError(f"「{raw}」不是有效日期") from exc
