"""Finance pivots over the filtered portfolio: every figure is an integer SQL sum of fen.

Each pivot's total row is computed by its own aggregate query (not by adding the rows up), so a
test can check that the rows add up to it exactly."""

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.finance.logic import completion_rate, share
from tracker.finance.models import FUNDING_SOURCES, FundingSource, InvestmentYear
from tracker.projects import filters
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project

BY = {
    "year": "年度",
    "subdistrict": "街道",
    "builder": "建设单位",
    "stage": "学段",
    "government": "政府投资",
    "source": "资金来源",
    "project": "项目",
}
GROUP_COLUMNS = {
    "subdistrict": Project.subdistrict,
    "builder": Project.builder,
    "stage": Project.stage,
    "government": Project.is_government,
}
GOVERNMENT_LABELS = {True: "政府或国有平台投资", False: "非政府投资"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # "text" | "count" | "money" | "rate"


@dataclass
class Pivot:
    by: str
    columns: list[Column]
    rows: list[dict]
    total: dict
    count: int = 0  # rows before paging (the project pivot pages)
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"按{BY[self.by]}汇总"


def _int(value) -> int | None:
    return None if value is None else int(value)


def scoped(query, f: ProjectFilter):
    return filters.apply(query, f, ordered=False)


def with_years(query):
    return query.select_from(Project).join(InvestmentYear, InvestmentYear.project_id == Project.id)


def with_funding(query):
    return query.select_from(Project).join(FundingSource, FundingSource.project_id == Project.id)


def has_years():
    return select(InvestmentYear.id).where(InvestmentYear.project_id == Project.id).exists()


def has_funding():
    return select(FundingSource.id).where(FundingSource.project_id == Project.id).exists()


def _label(by: str, key) -> str:
    if by == "government":
        return GOVERNMENT_LABELS[bool(key)]
    return str(key) if key not in (None, "") else "（未填）"


def _rated(row: dict) -> dict:
    row["rate"] = completion_rate(row.get("completed"), row.get("planned"))
    return row


YEAR_COLUMNS = [
    Column("label", "年度", "text"),
    Column("projects", "有年度数据的项目数", "count"),
    Column("planned", "年度计划投资", "money"),
    Column("completed", "完成投资", "money"),
    Column("rate", "投资完成率（%）", "rate"),
]
GROUP_PIVOT_COLUMNS = [
    Column("label", "", "text"),
    Column("projects", "项目数", "count"),
    Column("total", "总投资", "money"),
    Column("window", "规划期投资", "money"),
    Column("planned", "年度计划投资合计", "money"),
    Column("completed", "完成投资合计", "money"),
    Column("rate", "投资完成率（%）", "rate"),
    Column("funding", "资金来源合计", "money"),
]
SOURCE_COLUMNS = [
    Column("label", "资金来源", "text"),
    Column("projects", "项目数", "count"),
    Column("amount", "金额", "money"),
    Column("share", "占比（%）", "rate"),
]
PROJECT_COLUMNS = [
    Column("code", "项目编号", "text"),
    Column("label", "项目名称", "text"),
    Column("total", "总投资", "money"),
    Column("window", "规划期投资", "money"),
    Column("planned", "年度计划投资合计", "money"),
    Column("completed", "完成投资合计", "money"),
    Column("rate", "投资完成率（%）", "rate"),
    Column("funding", "资金来源合计", "money"),
]


def pivot(session: Session, by: str, f: ProjectFilter, *, limit=None, offset=0) -> Pivot:
    if by == "year":
        return year_pivot(session, f)
    if by == "source":
        return source_pivot(session, f)
    if by == "project":
        return project_pivot(session, f, limit=limit, offset=offset)
    return group_pivot(session, by, f)


def _per_project(only_ids=None):
    """Each project's yearly and funding sums, as subqueries to LEFT JOIN onto Project
    (`only_ids`: just those projects, e.g. one page of the per-project table)."""
    years = select(
        InvestmentYear.project_id.label("pid"),
        func.sum(InvestmentYear.planned_fen).label("planned"),
        func.sum(InvestmentYear.completed_fen).label("completed"),
    ).group_by(InvestmentYear.project_id)
    funds = select(
        FundingSource.project_id.label("pid"),
        func.sum(FundingSource.amount_fen).label("funding"),
    ).group_by(FundingSource.project_id)
    if only_ids is not None:
        years = years.where(InvestmentYear.project_id.in_(only_ids))
        funds = funds.where(FundingSource.project_id.in_(only_ids))
    return years.subquery("ya"), funds.subquery("fa")


def _joined(query, years, funds):
    return (
        query.select_from(Project)
        .outerjoin(years, years.c.pid == Project.id)
        .outerjoin(funds, funds.c.pid == Project.id)
    )


def portfolio_total(session: Session, f: ProjectFilter) -> dict:
    """The totals line of a project-level pivot, from its own aggregate queries over the raw rows."""
    n, t, w = session.exec(
        scoped(
            select(
                func.count(Project.id),
                func.sum(Project.total_investment_fen),
                func.sum(Project.window_investment_fen),
            ),
            f,
        )
    ).one()
    p, c = session.exec(
        scoped(
            with_years(
                select(func.sum(InvestmentYear.planned_fen), func.sum(InvestmentYear.completed_fen))
            ),
            f,
        )
    ).one()
    a = session.exec(scoped(with_funding(select(func.sum(FundingSource.amount_fen))), f)).one()
    total = {"code": "", "label": "合计", "projects": n, "total": _int(t), "window": _int(w)}
    total.update(planned=_int(p), completed=_int(c), funding=_int(a))
    return _rated(total)


def year_pivot(session: Session, f: ProjectFilter, *, totals: bool = True) -> Pivot:
    # (project_id, year) is unique, so rows per year = projects with figures that year.
    query = scoped(
        with_years(
            select(
                InvestmentYear.year,
                func.count(InvestmentYear.id),
                func.sum(InvestmentYear.planned_fen),
                func.sum(InvestmentYear.completed_fen),
            )
        ),
        f,
    )
    rows = [
        _rated(
            {"key": y, "label": f"{y}年", "projects": n, "planned": _int(p), "completed": _int(c)}
        )
        for y, n, p, c in session.exec(
            query.group_by(InvestmentYear.year).order_by(InvestmentYear.year)
        )
    ]
    total = {}
    if totals:
        n = session.exec(scoped(select(func.count(Project.id)).where(has_years()), f)).one()
        measures = (func.sum(InvestmentYear.planned_fen), func.sum(InvestmentYear.completed_fen))
        p, c = session.exec(scoped(with_years(select(*measures)), f)).one()
        total = _rated({"label": "合计", "projects": n, "planned": _int(p), "completed": _int(c)})
    return Pivot("year", YEAR_COLUMNS, rows, total, len(rows))


def group_pivot(session: Session, by: str, f: ProjectFilter, *, totals: bool = True) -> Pivot:
    column = GROUP_COLUMNS[by]
    years, funds = _per_project()
    query = _joined(
        select(
            column,
            func.count(Project.id),
            func.sum(Project.total_investment_fen),
            func.sum(Project.window_investment_fen),
            func.sum(years.c.planned),
            func.sum(years.c.completed),
            func.sum(funds.c.funding),
        ),
        years,
        funds,
    )
    rows = [
        _rated(
            {"key": key, "label": _label(by, key), "projects": n, "total": _int(t)}
            | {"window": _int(w), "planned": _int(p), "completed": _int(c), "funding": _int(a)}
        )
        for key, n, t, w, p, c, a in session.exec(scoped(query, f).group_by(column))
    ]
    rows.sort(key=lambda r: (-(r["total"] or 0), r["label"]))
    total = portfolio_total(session, f) if totals else {}
    columns = [Column("label", BY[by], "text"), *GROUP_PIVOT_COLUMNS[1:]]
    return Pivot(by, columns, rows, total, len(rows))


def source_pivot(session: Session, f: ProjectFilter) -> Pivot:
    measures = (
        func.count(func.distinct(FundingSource.project_id)),
        func.sum(FundingSource.amount_fen),
    )
    query = scoped(with_funding(select(FundingSource.source, *measures)), f)
    found = {s: (n, _int(a)) for s, n, a in session.exec(query.group_by(FundingSource.source))}
    n, a = session.exec(scoped(with_funding(select(*measures)), f)).one()
    whole = _int(a) or 0
    order = FUNDING_SOURCES + sorted(set(found) - set(FUNDING_SOURCES))
    rows = [
        {"key": s, "label": s, "projects": found[s][0], "amount": found[s][1]}
        | {"share": share(found[s][1], whole)}
        for s in order
        if s in found
    ]
    total = {"label": "合计", "projects": n, "amount": _int(a), "share": share(whole, whole)}
    return Pivot("source", SOURCE_COLUMNS, rows, total, len(rows))


def project_pivot(session: Session, f: ProjectFilter, *, limit=None, offset=0) -> Pivot:
    only = None
    if limit is not None:
        only = list(session.exec(filters.apply(select(Project.id), f).limit(limit).offset(offset)))
    years, funds = _per_project(only)
    query = _joined(
        select(
            Project.code,
            Project.name,
            Project.total_investment_fen,
            Project.window_investment_fen,
            years.c.planned,
            years.c.completed,
            funds.c.funding,
        ),
        years,
        funds,
    )
    query = filters.apply(query, f)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = [
        _rated(
            {"key": code, "code": code, "label": name, "total": _int(t), "window": _int(w)}
            | {"planned": _int(p), "completed": _int(c), "funding": _int(a)}
        )
        for code, name, t, w, p, c, a in session.exec(query)
    ]
    total = portfolio_total(session, f)
    return Pivot("project", PROJECT_COLUMNS, rows, total, total["projects"])
