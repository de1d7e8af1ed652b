"""What the reports add to other pages through the extension points: the project page's panel
(reports by month and the history chart), the home card and the 需要更新 worklist section."""

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from tracker.config import settings
from tracker.finance.models import InvestmentMonth, InvestmentYear
from tracker.milestones import summary as schedule
from tracker.projects.models import Project
from tracker.reports import charts, deadlines, logic, services
from tracker.reports.models import STATUS_LABELS, MonthlyReport

HISTORY_MONTHS = 24


def default_period(today: date) -> str:
    """The month a PM is most likely filing: last month until its due day, then this month."""
    if today.day <= settings().report_due_day:
        return logic.shift(logic.period_of(today), -1)
    return logic.period_of(today)


def history_chart(session: Session, project: Project, today: date):
    accepted = services.accepted_series(session, project.id)
    if not accepted:
        return charts.history([], [], [], [], [])
    last = max(accepted[-1].period, logic.period_of(today))
    first = max(accepted[0].period, logic.shift(last, -(HISTORY_MONTHS - 1)))
    periods = logic.months_between(first, last)
    by_period = {r.period: r for r in accepted}
    planned_dates = [m.planned_on for m in schedule.milestones_for(session, project.id, today)]
    years = dict(
        session.execute(
            select(InvestmentYear.year, InvestmentYear.planned_fen).where(
                InvestmentYear.project_id == project.id
            )
        ).all()
    )
    months = {
        (y, m): p
        for y, m, p in session.execute(
            select(InvestmentMonth.year, InvestmentMonth.month, InvestmentMonth.planned_fen).where(
                InvestmentMonth.project_id == project.id
            )
        )
    }
    return charts.history(
        periods,
        [by_period[p].progress_percent if p in by_period else None for p in periods],
        [logic.planned_percent(planned_dates, logic.month_end(p)) for p in periods],
        [by_period[p].cumulative_fen if p in by_period else None for p in periods],
        logic.planned_cumulative(periods, years, months),
    )


def project_panel(session: Session, project: Project, today: date) -> dict:
    period = default_period(today)
    return {
        "reports": services.of_project(session, project.id, limit=12),
        "chart": history_chart(session, project, today),
        "statuses": STATUS_LABELS,
        "label": logic.label,
        "period": period,
        "has_current": services.current(session, project.id, period) is not None,
    }


def home_card(session: Session, today: date) -> dict:
    closed = logic.last_closed(today, settings().report_due_day)
    open_period = default_period(today)
    waiting = session.execute(
        select(func.count(MonthlyReport.id)).where(
            MonthlyReport.status == "submitted", MonthlyReport.deleted_at.is_(None)
        )
    ).scalar_one()
    return {
        "closed": closed,
        "label": logic.label,
        "missing": len(deadlines.missing(session, closed)),
        "due": logic.due_date(closed, settings().report_due_day),
        "open_period": open_period,
        "open_missing": len(deadlines.missing(session, open_period)),
        "open_due": logic.due_date(open_period, settings().report_due_day),
        "waiting": waiting,
    }


def worklist(session: Session, today: date, only=None) -> dict:
    """The 需要更新 page's section: reports not filed for the month now being filed."""
    period = default_period(today)
    rows = deadlines.missing(session, period, only=only, limit=500)
    return {
        "period": period,
        "label": logic.label(period),
        "due": logic.due_date(period, settings().report_due_day),
        "groups": deadlines.by_builder(rows),
        "count": len(rows),
    }
