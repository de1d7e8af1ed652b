"""The Chinese font of the briefs: a TrueType font embedded in the PDF (PDF_FONT, else Debian's
fonts-wqy-microhei), or ReportLab's built-in CID font STSong-Light with a logged warning."""

import logging
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FALLBACK_CID = "STSong-Light"
INSTALL_HINT = (
    "sudo apt-get install fonts-wqy-microhei（或用 PDF_FONT 指向一个 TrueType 中文字体 .ttf/.ttc）"
)


@dataclass(frozen=True)
class BriefFont:
    name: str  # registered ReportLab font name
    embedded: bool  # True for a TrueType font subset embedded in the PDF
    path: str = ""


_registered: dict[str, BriefFont] = {}


def _register_ttf(path: str) -> BriefFont:
    name = f"BriefCJK-{len(_registered)}"
    options = {"subfontIndex": 0} if path.lower().endswith((".ttc", ".otc")) else {}
    pdfmetrics.registerFont(TTFont(name, path, **options))
    return BriefFont(name, True, path)


def brief_font(setting: str = "") -> BriefFont:
    """The font to typeset with; registration is done once per path and process."""
    key = setting or ""
    if key in _registered:
        return _registered[key]
    candidates = [setting] if setting else []
    candidates.append(DEFAULT_FONT)
    font = None
    for path in candidates:
        if not Path(path).is_file():
            if path == setting:
                log.warning("PDF_FONT %s does not exist; trying the default font", path)
            continue
        try:
            font = _register_ttf(path)
            break
        except (TTFError, OSError, ValueError) as exc:
            # CFF/OpenType-outline fonts (e.g. Noto CJK .otf/.ttc) are refused by ReportLab.
            log.warning("cannot embed font %s (%s); trying the next one", path, exc)
    if font is None:
        log.warning(
            "no TrueType Chinese font found: briefs use the non-embedded CID font %s. Install: %s",
            FALLBACK_CID,
            INSTALL_HINT,
        )
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
        font = BriefFont(FALLBACK_CID, False)
    _registered[key] = font
    return font
