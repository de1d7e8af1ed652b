"""Ruled tables that stay fast at 10,000 rows: cells are broken into lines once, here (CJK line
breaking with kinsoku), and a PagedTable cuts the rows into one ReportLab Table per page, each
with the header row, instead of letting ReportLab re-measure the remaining rows at every split."""

from bisect import bisect_right
from itertools import accumulate

from reportlab.lib import textsplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle

from tracker.briefs.pdf import ALERT, ALERT_BG, HEADER_BG, INK, RULE, TOTAL_BG, clean

PAD_X, PAD_Y = 3, 2.5
# Closing marks that must not start a line, opening ones that must not end it (ReportLab's lists
# plus the full-width marks pdf.py adds).
NO_START = set(textsplit.ALL_CANNOT_START) | set("，。、；：！？）》〉」』】”’…%")
NO_END = set(textsplit.ALL_CANNOT_END) | set("（《〈「『【“‘")


class LineBreaker:
    """Greedy line breaking for one font and size; character widths are cached."""

    def __init__(self, font_name: str, size: float):
        self.font_name, self.size = font_name, size
        self._widths: dict[str, float] = {}

    def width(self, ch: str) -> float:
        w = self._widths.get(ch)
        if w is None:
            w = self._widths[ch] = stringWidth(ch, self.font_name, self.size)
        return w

    def lines(self, value, max_width: float) -> list[str]:
        out: list[str] = []
        for part in clean(value).split("\n"):
            out += self._break(part, max_width)
        return out or [""]

    def _break(self, text: str, max_width: float) -> list[str]:
        lines, line, used = [], [], 0.0
        for ch in text:
            w = self.width(ch)
            if line and used + w > max_width + 0.01:
                carry = []
                # A closing mark may not start the next line: take the last character along.
                if ch in NO_START and len(line) > 1:
                    carry.append(line.pop())
                # An opening mark may not end this line: move it down too.
                while len(line) > 1 and line[-1] in NO_END:
                    carry.insert(0, line.pop())
                lines.append("".join(line))
                line = carry
                used = sum(self.width(c) for c in line)
            line.append(ch)
            used += w
        lines.append("".join(line))
        return lines


def table_rows(table: dict, widths: list[float], breaker: LineBreaker, leading: float):
    """Header, body rows (with their kind) and each row's height, all cells pre-broken."""

    def prepare(row):
        cells = ["\n".join(breaker.lines(v, widths[c] - 2 * PAD_X)) for c, v in enumerate(row)]
        height = max(cell.count("\n") + 1 for cell in cells) * leading + 2 * PAD_Y
        return cells, height

    header, header_h = prepare(table["header"])
    alerts = set(table.get("alert_rows", ()))
    body = [(*prepare(row), "alert" if i in alerts else "") for i, row in enumerate(table["rows"])]
    if table.get("total"):
        body.append((*prepare(table["total"]), "total"))
    return header, header_h, body


class PagedTable(Flowable):
    """A long ruled table that splits at row boundaries in O(rows on the page)."""

    def __init__(
        self, table: dict, widths, *, font_name: str, size: float, leading: float, _state=None
    ):
        super().__init__()
        self.widths, self.font_name, self.size, self.leading = widths, font_name, size, leading
        self.numeric = set(table.get("numeric", [])) if table else set()
        if _state is None:
            breaker = LineBreaker(font_name, size)
            header, header_h, body = table_rows(table, widths, breaker, leading)
            tops = [0.0, *accumulate(h for _, h, _ in body)]
            _state = (header, header_h, body, tops, 0, len(body))
        self.header, self.header_h, self.body, self.tops, self.start, self.stop = _state
        self.width = sum(widths)
        self.hAlign = "LEFT"

    def _height(self, start: int, stop: int) -> float:
        return self.header_h + self.tops[stop] - self.tops[start]

    def wrap(self, avail_width, avail_height):
        self.height = self._height(self.start, self.stop)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        room = avail_height - self.header_h + self.tops[self.start]
        last = min(bisect_right(self.tops, room + 0.01) - 1, self.stop)
        if last <= self.start:
            return []  # not even one row fits: move to the next page
        state = (self.header, self.header_h, self.body, self.tops)
        head = self._table(self.start, last)
        rest = PagedTable(
            None,
            self.widths,
            font_name=self.font_name,
            size=self.size,
            leading=self.leading,
            _state=(*state, last, self.stop),
        )
        rest.numeric = self.numeric
        return [head, rest]

    def draw(self):
        table = self._table(self.start, self.stop)
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)

    def _table(self, start: int, stop: int) -> Table:
        rows = self.body[start:stop]
        data = [self.header] + [cells for cells, _, _ in rows]
        heights = [self.header_h] + [h for _, h, _ in rows]
        commands = [
            ("FONTNAME", (0, 0), (-1, -1), self.font_name),
            ("FONTSIZE", (0, 0), (-1, -1), self.size),
            ("LEADING", (0, 0), (-1, -1), self.leading),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("GRID", (0, 0), (-1, -1), 0.4, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
            ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
            ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ]
        commands += [("ALIGN", (c, 1), (c, -1), "RIGHT") for c in self.numeric]
        for index, (_, _, kind) in enumerate(rows, 1):
            if kind == "total":
                commands.append(("BACKGROUND", (0, index), (-1, index), TOTAL_BG))
            elif kind == "alert":
                commands.append(("BACKGROUND", (0, index), (-1, index), ALERT_BG))
                commands.append(("TEXTCOLOR", (0, index), (-1, index), ALERT))
        table = Table(data, colWidths=self.widths, rowHeights=heights, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        return table


def grid_table(table: dict, widths: list[float], st: dict, *, font, alert_rows=()) -> PagedTable:
    """A ruled table from {"header", "rows", "total"?, "numeric"?}: header repeated on each page,
    numbers right-aligned, `alert_rows` (indexes into rows) in red."""
    if alert_rows:
        table = {**table, "alert_rows": list(alert_rows)}
    cell = st["cell"]
    return PagedTable(table, widths, font_name=font.name, size=cell.fontSize, leading=cell.leading)
