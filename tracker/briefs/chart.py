"""The investment-by-year bar chart of the portfolio brief (ReportLab graphics)."""

from decimal import Decimal

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from tracker.briefs.fonts import BriefFont

SERIES_COLOURS = [colors.HexColor("#3b6ea5"), colors.HexColor("#e3963e")]


def investment_chart(chart: dict, font: BriefFont, width: float) -> Drawing:
    """Bars per year; labels show the exact 亿元 figures (bar heights are only geometry)."""
    height = 62 * mm
    drawing = Drawing(width, height)
    bars = VerticalBarChart()
    bars.x, bars.y = 14 * mm, 12 * mm
    bars.width, bars.height = width - 22 * mm, height - 24 * mm
    series = chart["series"]
    # Bar heights are drawing geometry; the printed figures come from the exact strings.
    bars.data = [[float(Decimal(v)) if v else 0.0 for v in s["values"]] for s in series] or [[0]]
    bars.categoryAxis.categoryNames = chart["categories"] or [""]
    top = max((max(row) for row in bars.data if row), default=0)
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = max(1.0, top * 1.18)
    bars.valueAxis.labelTextFormat = "%.0f" if top >= 5 else "%.1f"
    for labels in (bars.categoryAxis.labels, bars.valueAxis.labels):
        labels.fontName, labels.fontSize = font.name, 7.5
    bars.barLabels.fontName, bars.barLabels.fontSize = font.name, 6.5
    bars.barLabels.nudge = 6
    bars.barLabelArray = [[v or "" for v in s["values"]] for s in series]
    bars.barLabelFormat = "values"
    for index, _ in enumerate(series):
        bars.bars[index].fillColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        bars.bars[index].strokeColor = None
    # Few years would give very wide bars: keep each bar at most ~16 mm by widening the gaps.
    groups = max(1, len(bars.categoryAxis.categoryNames))
    per_group = bars.width / groups
    bar = min(per_group * 0.7 / max(1, len(series)), 16 * mm)
    bars.barWidth = 10
    bars.groupSpacing = 10 * (per_group - bar * max(1, len(series))) / bar
    drawing.add(bars)
    drawing.add(String(2, height - 7, f"单位：{chart['unit']}", fontName=font.name, fontSize=7.5))
    if len(chart["series"]) > 1:
        legend = Legend()
        legend.x, legend.y = width - 48 * mm, height - 3
        legend.fontName, legend.fontSize = font.name, 7.5
        legend.columnMaximum = 1
        legend.alignment = "right"
        legend.colorNamePairs = [
            (SERIES_COLOURS[i % len(SERIES_COLOURS)], s["name"])
            for i, s in enumerate(chart["series"])
        ]
        drawing.add(legend)
    return drawing
