"""ReportLab plumbing shared by both briefs: styles, escaped paragraphs, grid tables with a repeated
header, and a canvas that prints 第 N 页 共 M 页 once it knows the page count."""

import io
import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus import paragraph as rl_paragraph

from tracker.briefs.fonts import BriefFont

# ReportLab's CJK wrap keeps these off the start of a line by letting them hang; its list lacks
# the full-width comma, semicolon, colon, marks and closing book-title brackets.
# Both of ReportLab's CJK wrappers (textsplit for one-style text, paragraph for mixed) read it.
KINSOKU_EXTRA = "，；：！？》〉”’…"
for _module in (rl_textsplit, rl_paragraph):
    if not _module.ALL_CANNOT_START.endswith(KINSOKU_EXTRA):
        _module.ALL_CANNOT_START += KINSOKU_EXTRA

PAGE = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 16 * mm, 20 * mm, 17 * mm
WIDTH = PAGE[0] - 2 * MARGIN_X
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
RULE = colors.HexColor("#9aa5b1")
HEADER_BG = colors.HexColor("#e4e9f0")
TOTAL_BG = colors.HexColor("#f3f5f8")
ALERT = colors.HexColor("#b42318")
ALERT_BG = colors.HexColor("#fdecea")
OK = colors.HexColor("#1e7b34")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value) -> str:
    return _CONTROL.sub("", str(value if value is not None else ""))


def styles(font: BriefFont) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=font.name, fontSize=9.5, leading=14, textColor=INK, wordWrap="CJK"
    )

    def make(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "title": make("title", fontSize=17, leading=23, spaceAfter=3),
        "title_long": make("title_long", fontSize=13, leading=17, spaceAfter=3),
        "subtitle": make("subtitle", fontSize=9.5, leading=13, textColor=MUTED, spaceAfter=6),
        "h2": make("h2", fontSize=12, leading=16, spaceBefore=9, spaceAfter=4),
        "small": make("small", fontSize=8, leading=11, textColor=MUTED),
        "note": make("note", fontSize=8.5, leading=12, textColor=MUTED, spaceBefore=2),
        "cell": make("cell", fontSize=8, leading=10.5),
        "cell_right": make("cell_right", fontSize=8, leading=10.5, alignment=TA_RIGHT),
        "head": make("head", fontSize=8, leading=10.5, alignment=TA_CENTER),
        "label": make("label", fontSize=8.5, leading=12, textColor=MUTED),
        "value": make("value", fontSize=9, leading=12.5),
        "alert": make("alert", fontSize=9, leading=12.5, textColor=ALERT),
        "figure": make("figure", fontSize=16, leading=20, alignment=TA_CENTER),
        "figure_label": make(
            "figure_label", fontSize=8.5, leading=11, alignment=TA_CENTER, textColor=MUTED
        ),
    }


def para(value, style: ParagraphStyle) -> Paragraph:
    """User text as a Paragraph: escaped, because ReportLab parses its text as markup."""
    return Paragraph(escape(clean(value)), style)


def key_value_table(pairs: list[list[str]], widths: list[float], st: dict) -> Table:
    """Label/value pairs laid out in two columns of pairs (label, value, label, value)."""
    cells = [[para(label, st["label"]), para(value, st["value"])] for label, value in pairs]
    half = (len(cells) + 1) // 2
    left, right = cells[:half], cells[half:]
    rows = [left[i] + (right[i] if i < len(right) else ["", ""]) for i in range(half)]
    result = Table(rows, colWidths=widths, hAlign="LEFT")
    result.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, HEADER_BG),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return result


def numbered_canvas(font: BriefFont, header_left: str, header_right: str):
    """A canvas class that keeps every page until the end, then stamps the running header and
    第 N 页 共 M 页 on each (the total is only known after the last page)."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initialFontName", font.name)
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._stamp(number, total)
                super().showPage()
            super().save()

        def _stamp(self, number: int, total: int):
            width, height = PAGE
            self.saveState()
            self.setFont(font.name, 8)
            self.setFillColor(MUTED)
            top = height - MARGIN_TOP + 8 * mm
            self.drawString(MARGIN_X, top, _fit(header_left, font.name, 8, width * 0.6))
            self.drawRightString(width - MARGIN_X, top, clean(header_right))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN_X, top - 2.5 * mm, width - MARGIN_X, top - 2.5 * mm)
            self.setFont(font.name, 9)
            self.drawCentredString(
                width / 2, MARGIN_BOTTOM - 9 * mm, f"第 {number} 页 共 {total} 页"
            )
            self.restoreState()

    return NumberedCanvas


def _fit(value: str, font_name: str, size: float, width: float) -> str:
    """Cut a running-header text to the width, marking the cut with an ellipsis."""
    value = clean(value)
    if stringWidth(value, font_name, size) <= width:
        return value
    while value and stringWidth(value + "…", font_name, size) > width:
        value = value[:-1]
    return value + "…"


def build(
    story: list, *, font: BriefFont, title: str, author: str, subject: str, header: str, as_of: str
) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=clean(title),
        author=clean(author),
        subject=clean(subject),
        creator="学校建设项目管理",
        lang="zh-CN",
    )
    doc.build(story, canvasmaker=numbered_canvas(font, header, f"数据截至 {as_of}"))
    return buffer.getvalue()
