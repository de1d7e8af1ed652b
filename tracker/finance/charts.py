"""Server-side SVG bar charts (no script, no web font): drawn from integer fen, labels escaped."""

from markupsafe import Markup, escape

from tracker.finance.logic import shown

COLORS = ("#1f5fa8", "#f59e0b", "#16a34a")
LABEL_WIDTH = 190
BAR_AREA = 460
BAR_HEIGHT = 14


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    title: str, categories: list[str], series: list[tuple[str, list]], unit: str
) -> Markup:
    """Horizontal grouped bars: one group per category, one bar per series (values in fen)."""
    values = [v for _name, vs in series for v in vs if v]
    top = max(values) if values else 0
    group = BAR_HEIGHT * len(series) + 10
    height = 40 + group * max(1, len(categories)) + 20
    width = LABEL_WIDTH + BAR_AREA + 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}（{escape(unit)}）</text>',
    ]
    for index, (name, _values) in enumerate(series):
        x = LABEL_WIDTH + index * 130
        parts.append(
            f'<rect x="{x}" y="24" width="10" height="10" fill="{COLORS[index % 3]}"/>'
            f'<text x="{x + 14}" y="33" font-size="12">{escape(name)}</text>'
        )
    if not categories:
        parts.append('<text x="0" y="60" font-size="12" fill="#6b7280">暂无数据</text>')
    for row, category in enumerate(categories):
        y = 44 + row * group
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + group / 2}" font-size="12" '
            f'text-anchor="end">{escape(_short(category))}</text>'
        )
        for index, (name, values) in enumerate(series):
            value = values[row]
            length = 0 if not top or not value else max(1, round(BAR_AREA * value / top))
            by = y + index * BAR_HEIGHT
            amount = shown(value, unit)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{by}" width="{length}" height="{BAR_HEIGHT - 2}" '
                f'fill="{COLORS[index % 3]}"><title>{escape(category)} {escape(name)}：'
                f"{amount}</title></rect>"
                f'<text x="{LABEL_WIDTH + length + 4}" y="{by + BAR_HEIGHT - 3}" '
                f'font-size="11">{amount}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
