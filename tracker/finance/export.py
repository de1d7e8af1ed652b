"""The finance downloads: ONE workbook (a sheet per pivot, the plan-window check and 明细, one row
per project and year), laid out to print; or one pivot as CSV with a BOM."""

from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from tracker.finance import pivots
from tracker.finance.logic import completion_rate, exact_text
from tracker.finance.models import InvestmentYear
from tracker.finance.window import COLUMNS as WINDOW_COLUMNS
from tracker.finance.window import reconcile
from tracker.money import UNIT_FEN
from tracker.projects import filters
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project
from tracker.tabular import Column, Sheet, csv_bytes, workbook

WINDOW = "window"
SHEET_NAMES = {by: f"按{label}" for by, label in pivots.BY.items()} | {WINDOW: "规划期核对"}
KINDS = {"text": "long", "count": "count", "money": "money", "rate": "rate"}
WIDTHS = {"label": 28, "code": 11, "period": 10, "flags": 30}
DETAIL_COLUMNS = [
    pivots.Column("code", "项目编号", "text"),
    pivots.Column("label", "项目名称", "text"),
    pivots.Column("period", "项目期限", "text"),
    pivots.Column("year", "年度", "text"),
    pivots.Column("planned", "年度计划投资", "money"),
    pivots.Column("completed", "完成投资", "money"),
    pivots.Column("rate", "投资完成率（%）", "rate"),
]


def headers(columns, unit: str) -> list[str]:
    return [f"{c.header}（{unit}）" if c.kind == "money" else c.header for c in columns]


def table(session: Session, by: str, f: ProjectFilter, window: tuple[int, int]):
    """(columns, rows, total, title) of one pivot, or of the plan-window reconciliation."""
    if by == WINDOW:
        rows, total = reconcile(session, f, window).as_rows()
        return WINDOW_COLUMNS, rows, total, f"规划期{window[0]}-{window[1]}核对"
    result = pivots.pivot(session, by, f)
    return result.columns, result.rows, result.total, result.title


def to_csv(columns, rows: list[dict], total: dict, unit: str) -> bytes:
    def values(row):
        return [
            exact_text(row.get(c.key), unit) if c.kind == "money" else row.get(c.key)
            for c in columns
        ]

    return csv_bytes(headers(columns, unit), (values(r) for r in [*rows, total]))


def to_xlsx(
    session: Session,
    f: ProjectFilter,
    unit: str,
    *,
    window: tuple[int, int],
    as_of: date,
    jurisdiction: str,
    active: str = "year",
) -> bytes:
    """Every pivot, the plan-window check and 明细 in one workbook; `active` opens first."""
    order = [*pivots.BY, WINDOW]
    sheets = []
    for by in order:
        columns, rows, total, title = table(session, by, f, window)
        sheets.append(
            _sheet(SHEET_NAMES[by], f"学校建设投资{title}表", columns, rows, total, unit, f)
        )
    year_total = pivots.year_pivot(session, f).total
    sheets.append(
        _sheet(
            "明细", "学校建设投资明细表", DETAIL_COLUMNS, _detail(session, f), year_total, unit, f
        )
    )
    return workbook(
        sheets,
        jurisdiction=jurisdiction,
        as_of=as_of,
        active=order.index(active) if active in order else 0,
    )


def _sheet(name, title, columns, rows, total, unit, f: ProjectFilter) -> Sheet:
    frozen = 2 if columns and columns[0].key == "code" else 1
    return Sheet(
        name=name,
        title=title,
        columns=[
            Column(h, _width(c, h), KINDS[c.kind])
            for c, h in zip(columns, headers(columns, unit), strict=True)
        ],
        rows=(_values(columns, row, unit) for row in rows),
        total=_values(columns, _total(columns, total), unit) if total else None,
        unit=unit,
        scope=f.describe(),
        frozen_columns=frozen,
    )


def _width(column, header: str) -> int:
    """Wide enough for the header's words on one line (the unit 「（亿元）」 may go below)."""
    words = header.split("（")[0] or header
    return max(WIDTHS.get(column.key, 12), (len(words.encode()) + len(words)) // 2 + 3)


def _total(columns, total: dict) -> dict:
    """「合计」 in the first column; beside a project code, the label says how many projects."""
    if columns[0].key != "code":
        return {**total, columns[0].key: "合计"}
    count = total.get("projects")
    return {**total, "code": "合计", "label": f"{count} 个项目" if count is not None else ""}


def _values(columns, row: dict, unit: str) -> list:
    out = []
    for c in columns:
        value = row.get(c.key)
        if c.kind == "money" and value is not None:
            value = Decimal(value) / UNIT_FEN[unit]  # exact; the sheet shows two decimals
        out.append(value)
    return out


def _detail(session: Session, f: ProjectFilter):
    """One row per project and year (a project without yearly figures: one row, no year)."""
    query = filters.apply(
        select(
            Project.code,
            Project.name,
            Project.period_text,
            InvestmentYear.year,
            InvestmentYear.planned_fen,
            InvestmentYear.completed_fen,
        )
        .select_from(Project)
        .outerjoin(InvestmentYear, InvestmentYear.project_id == Project.id),
        f,
    ).order_by(InvestmentYear.year)
    for code, name, period, year, planned, completed in session.exec(query):
        yield {
            "code": code,
            "label": name,
            "period": period,
            "year": f"{year}年" if year else "",
            "planned": planned,
            "completed": completed,
            "rate": completion_rate(completed, planned),
        }
