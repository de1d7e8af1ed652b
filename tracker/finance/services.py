"""Reading and writing one project's finance figures; every write is audited and versioned."""

from dataclasses import dataclass, field

from sqlmodel import Session, select

from tracker.audit.models import AuditEntry
from tracker.audit.services import Actor, record_changes
from tracker.clock import now_utc
from tracker.finance.logic import completion_rate, exact_text
from tracker.finance.models import FinanceSheet, FundingSource, InvestmentMonth, InvestmentYear
from tracker.projects.models import Project

AUDIT_ENTITIES = ("investment", "funding")


class StaleFinanceError(Exception):
    """The figures changed since the form was loaded; `changes` says what the other person did."""

    def __init__(self, changes: list[str]):
        super().__init__("stale finance edit")
        self.changes = changes


@dataclass(frozen=True)
class YearInput:
    year: int
    planned_fen: int | None
    completed_fen: int | None


@dataclass(frozen=True)
class MonthInput:
    year: int
    month: int
    planned_fen: int | None
    completed_fen: int | None


@dataclass(frozen=True)
class FundingInput:
    source: str
    amount_fen: int
    note: str = ""


@dataclass
class ProjectFinance:
    version: int
    years: list[InvestmentYear]
    months: list[InvestmentMonth]
    funding: list[FundingSource]
    planned_fen: int | None = None
    completed_fen: int | None = None
    funding_fen: int | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def rate(self):
        return completion_rate(self.completed_fen, self.planned_fen)


def sheet_version(session: Session, project_id: int) -> int:
    sheet = session.get(FinanceSheet, project_id)
    return sheet.version if sheet else 0


def project_finance(session: Session, project: Project) -> ProjectFinance:
    pid = project.id
    years = list(
        session.exec(
            select(InvestmentYear)
            .where(InvestmentYear.project_id == pid)
            .order_by(InvestmentYear.year)
        )
    )
    months = list(
        session.exec(
            select(InvestmentMonth)
            .where(InvestmentMonth.project_id == pid)
            .order_by(InvestmentMonth.year, InvestmentMonth.month)
        )
    )
    funding = list(
        session.exec(
            select(FundingSource).where(FundingSource.project_id == pid).order_by(FundingSource.id)
        )
    )
    result = ProjectFinance(sheet_version(session, pid), years, months, funding)
    planned = [y.planned_fen for y in years if y.planned_fen is not None]
    completed = [y.completed_fen for y in years if y.completed_fen is not None]
    result.planned_fen = sum(planned) if planned else None
    result.completed_fen = sum(completed) if completed else None
    result.funding_fen = sum(f.amount_fen for f in funding) if funding else None
    total = project.total_investment_fen or 0
    if result.planned_fen is not None and result.planned_fen > total:
        result.flags.append("年度计划投资合计超过总投资")
    if result.funding_fen is not None and result.funding_fen != total:
        result.flags.append("资金来源合计与总投资不一致")
    return result


def _wan(fen: int | None) -> str:
    text = exact_text(fen, "万元")
    return "" if text is None else f"{text} 万元"


def _diff(old: dict, new: dict, label) -> dict[str, tuple]:
    """Field changes between two {key: (value, ...)} maps, labelled for the audit trail."""
    changes = {}
    for key in sorted(set(old) | set(new), key=str):
        before, after = old.get(key), new.get(key)
        for index, name in enumerate(label(key)):
            b = before[index] if before else None
            a = after[index] if after else None
            if b != a:
                changes[name] = (_wan(b), _wan(a))
    return changes


def _stale_changes(session: Session, project_id: int) -> list[str]:
    rows = session.exec(
        select(AuditEntry)
        .where(AuditEntry.project_id == project_id, AuditEntry.entity.in_(AUDIT_ENTITIES))
        .order_by(AuditEntry.id.desc())
        .limit(10)
    ).all()
    return [
        f"{r.username} 于 {r.at:%Y-%m-%d %H:%M} 修改了「{r.field}」：{r.old_value or '空'} → "
        f"{r.new_value or '空'}"
        for r in rows
    ]


def save_project_finance(
    session: Session,
    *,
    actor: Actor,
    project: Project,
    years: list[YearInput],
    months: list[MonthInput],
    funding: list[FundingInput],
    expected_version: int | None,
) -> dict[str, tuple]:
    """Replace the project's figures with the given sets; refuse a stale version."""
    sheet = session.get(FinanceSheet, project.id)
    current = sheet.version if sheet else 0
    if expected_version is not None and expected_version != current:
        raise StaleFinanceError(_stale_changes(session, project.id))
    stored = project_finance(session, project)
    year_changes = _sync(
        session,
        {y.year: y for y in stored.years},
        {y.year: (y.planned_fen, y.completed_fen) for y in years},
        lambda key, values: InvestmentYear(
            project_id=project.id, year=key, planned_fen=values[0], completed_fen=values[1]
        ),
        ("planned_fen", "completed_fen"),
    )
    month_changes = _sync(
        session,
        {(m.year, m.month): m for m in stored.months},
        {(m.year, m.month): (m.planned_fen, m.completed_fen) for m in months},
        lambda key, values: InvestmentMonth(
            project_id=project.id,
            year=key[0],
            month=key[1],
            planned_fen=values[0],
            completed_fen=values[1],
        ),
        ("planned_fen", "completed_fen"),
    )
    fund_changes = _sync(
        session,
        {f.source: f for f in stored.funding},
        {f.source: (f.amount_fen,) for f in funding},
        lambda key, values: FundingSource(project_id=project.id, source=key, amount_fen=values[0]),
        ("amount_fen",),
    )
    for f in funding:  # notes are not money: kept without an audit line of their own
        row = session.exec(
            select(FundingSource).where(
                FundingSource.project_id == project.id, FundingSource.source == f.source
            )
        ).first()
        if row is not None and row.note != f.note:
            row.note = f.note
            session.add(row)
    investment = _diff(
        year_changes[0], year_changes[1], lambda y: (f"{y}年 年度计划投资", f"{y}年 完成投资")
    ) | _diff(
        month_changes[0],
        month_changes[1],
        lambda k: (f"{k[0]}年{k[1]}月 计划投资", f"{k[0]}年{k[1]}月 完成投资"),
    )
    funds = _diff(fund_changes[0], fund_changes[1], lambda s: (f"资金来源 {s}",))
    if investment:
        record_changes(
            session,
            actor=actor,
            entity="investment",
            entity_id=project.code,
            project_id=project.id,
            changes=investment,
        )
    if funds:
        record_changes(
            session,
            actor=actor,
            entity="funding",
            entity_id=project.code,
            project_id=project.id,
            changes=funds,
        )
    if investment or funds:
        if sheet is None:
            sheet = FinanceSheet(project_id=project.id, version=0)
        sheet.version += 1
        sheet.updated_at = now_utc()
        session.add(sheet)
    session.flush()
    return investment | funds


def _sync(session: Session, stored: dict, wanted: dict, make, attrs: tuple) -> tuple[dict, dict]:
    """Make the stored rows equal `wanted`; returns (old values, new values) of changed keys."""
    old, new = {}, {}
    for key in set(stored) | set(wanted):
        row = stored.get(key)
        before = tuple(getattr(row, a) for a in attrs) if row is not None else None
        after = wanted.get(key)
        if before == after:
            continue
        old[key], new[key] = before, after
        if after is None:
            session.delete(row)
        elif row is None:
            session.add(make(key, after))
        else:
            for attr, value in zip(attrs, after, strict=True):
                setattr(row, attr, value)
            session.add(row)
    session.flush()
    return old, new
