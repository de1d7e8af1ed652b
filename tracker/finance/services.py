"""Reading and writing one project's finance figures; every write is audited and versioned."""

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.audit import Actor, Change, FieldLabel, apply_change
from tracker.audit.labels import plain
from tracker.finance.logic import completion_rate, exact_text
from tracker.finance.models import FinanceSheet, FundingSource, InvestmentMonth, InvestmentYear
from tracker.projects.models import Project


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


def _money(value) -> str:
    """Stored fen (an int) as exact 万元; entries from before stored the text itself."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{exact_text(value, '万元')} 万元"
    return plain(value)


def audit_fields() -> dict[str, FieldLabel]:
    """How the audit trail words a finance save: a year's, a month's or a source's amounts."""
    return {
        "planned_fen": FieldLabel("计划投资", _money),
        "completed_fen": FieldLabel("完成投资", _money),
        "amount_fen": FieldLabel("金额", _money),
    }


def _sheet(session: Session, project_id: int) -> FinanceSheet:
    """The sheet that carries the version of a project's figures (version 0 until first saved)."""
    sheet = session.get(FinanceSheet, project_id)
    if sheet is None:
        sheet = FinanceSheet(project_id=project_id, version=0)
        try:
            with session.begin_nested():  # a concurrent first save may have just created it
                session.add(sheet)
        except IntegrityError:
            sheet = session.get(FinanceSheet, project_id)
    return sheet


def save_project_finance(
    session: Session,
    *,
    actor: Actor,
    project: Project,
    years: list[YearInput],
    months: list[MonthInput],
    funding: list[FundingInput],
    expected_version: int | None,
    month_year: int | None = None,
) -> list[Change]:
    """Replace the project's figures with the given sets as one audited save; a form loaded at an
    older version raises Conflict (None: no check, for uploads). With `month_year`, `months` are
    that year's only and the stored months of other years are kept."""

    def apply_sets() -> list[Change]:
        stored = project_finance(session, project)
        pid = project.id
        kept = [
            MonthInput(m.year, m.month, m.planned_fen, m.completed_fen)
            for m in stored.months
            if month_year is not None and m.year != month_year
        ]
        changes = _sync(
            session,
            {y.year: y for y in stored.years},
            {y.year: (y.planned_fen, y.completed_fen) for y in years},
            lambda key, v: InvestmentYear(
                project_id=pid, year=key, planned_fen=v[0], completed_fen=v[1]
            ),
            ("planned_fen", "completed_fen"),
            lambda year: f"{year}年",
        )
        changes += _sync(
            session,
            {(m.year, m.month): m for m in stored.months},
            {(m.year, m.month): (m.planned_fen, m.completed_fen) for m in kept + months},
            lambda key, v: InvestmentMonth(
                project_id=pid, year=key[0], month=key[1], planned_fen=v[0], completed_fen=v[1]
            ),
            ("planned_fen", "completed_fen"),
            lambda key: f"{key[0]}年{key[1]}月",
        )
        changes += _sync(
            session,
            {f.source: f for f in stored.funding},
            {f.source: (f.amount_fen,) for f in funding},
            lambda key, v: FundingSource(project_id=pid, source=key, amount_fen=v[0]),
            ("amount_fen",),
            lambda source: f"资金来源「{source}」",
        )
        _set_notes(session, pid, funding)
        return changes

    return apply_change(
        session,
        actor=actor,
        record=_sheet(session, project.id),
        expected_version=expected_version,
        entity="investment",
        entity_id=project.code,
        project_id=project.id,
        mutate=apply_sets,
    )


def _set_notes(session: Session, project_id: int, funding: list[FundingInput]) -> None:
    """Notes are not money: kept without an audit line of their own."""
    for f in funding:
        row = session.exec(
            select(FundingSource).where(
                FundingSource.project_id == project_id, FundingSource.source == f.source
            )
        ).first()
        if row is not None and row.note != f.note:
            row.note = f.note
            session.add(row)


def _sync(session: Session, stored: dict, wanted: dict, make, attrs: tuple, item) -> list[Change]:
    """Make the stored rows equal `wanted`; returns the changed amounts, one per attribute."""
    changes = []
    for key in sorted(set(stored) | set(wanted), key=str):
        row = stored.get(key)
        before = tuple(getattr(row, a) for a in attrs) if row is not None else None
        after = wanted.get(key)
        if before == after:
            continue
        for index, attr in enumerate(attrs):
            old = before[index] if before else None
            new = after[index] if after else None
            if old != new:
                changes.append(Change(attr, old, new, item=item(key)))
        if after is None:
            session.delete(row)
        elif row is None:
            session.add(make(key, after))
        else:
            for attr, value in zip(attrs, after, strict=True):
                setattr(row, attr, value)
            session.add(row)
    session.flush()
    return changes


def month_completed(session: Session, project_id: int, year: int, month: int) -> int | None:
    row = session.exec(
        select(InvestmentMonth).where(
            InvestmentMonth.project_id == project_id,
            InvestmentMonth.year == year,
            InvestmentMonth.month == month,
        )
    ).first()
    return row.completed_fen if row is not None else None


def set_month_completed(
    session: Session,
    *,
    actor: Actor,
    project: Project,
    year: int,
    month: int,
    completed_fen: int | None,
    detail: str,
) -> list[Change]:
    """One month's 完成投资 taken from another record (an accepted monthly report), written as one
    audited save of the project's figures; the month's plan figure is kept. Nothing is written
    when the month already holds that figure."""
    if month_completed(session, project.id, year, month) == completed_fen:
        return []

    def set_month() -> list[Change]:
        row = session.exec(
            select(InvestmentMonth).where(
                InvestmentMonth.project_id == project.id,
                InvestmentMonth.year == year,
                InvestmentMonth.month == month,
            )
        ).first()
        old = row.completed_fen if row is not None else None
        if row is None:
            row = InvestmentMonth(project_id=project.id, year=year, month=month)
        row.completed_fen = completed_fen
        session.add(row)
        session.flush()
        return [Change("completed_fen", old, completed_fen, item=f"{year}年{month}月")]

    return apply_change(
        session,
        actor=actor,
        record=_sheet(session, project.id),
        expected_version=None,
        entity="investment",
        entity_id=project.code,
        project_id=project.id,
        mutate=set_month,
        detail=detail,
    )
