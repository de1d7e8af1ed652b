"""Deadlines: which projects have not filed (未报送) a month's report — none, a draft, or one
returned and not resubmitted — grouped by 建设单位, and the reminder mail for each unit."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from tracker.alerts.mail import send_message
from tracker.config import Settings
from tracker.projects import filters
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project
from tracker.reports import logic
from tracker.reports.models import STANDING_LABELS, MonthlyReport

MISSING_WORDS = {"none": "未报送", "draft": "草稿未提交", "returned": "已退回，未重新提交"}


@dataclass(frozen=True)
class Missing:
    project_id: int
    code: str
    name: str
    builder: str
    standing: str
    report_id: int | None

    @property
    def id(self) -> int:
        """The project's id (so permission checks take a row like a project)."""
        return self.project_id

    @property
    def words(self) -> str:
        return MISSING_WORDS.get(self.standing, STANDING_LABELS.get(self.standing, ""))


def missing(
    session: Session,
    period: str,
    f: ProjectFilter | None = None,
    only: set[int] | None = None,
    limit: int | None = None,
) -> list[Missing]:
    """Projects that must report for `period` and have not submitted (by 建设单位, code)."""
    year = logic.year_month(period)[0]
    cur = MonthlyReport
    query = (
        select(Project.id, Project.code, Project.name, Project.builder, cur.status, cur.id)
        .outerjoin(
            cur,
            and_(
                cur.project_id == Project.id,
                cur.period == period,
                cur.current == True,  # noqa: E712
                cur.deleted_at.is_(None),
            ),
        )
        .where(
            Project.status.not_in(logic.EXEMPT_STATUSES),
            or_(Project.start_year.is_(None), Project.start_year <= year),
            or_(cur.status.is_(None), cur.status.in_(logic.EDITABLE)),
        )
    )
    query = filters.apply(query, f or ProjectFilter(), ordered=False)
    if only is not None:
        query = query.where(Project.id.in_(sorted(only) or [-1]))
    query = query.order_by(Project.builder, Project.code)
    if limit is not None:
        query = query.limit(limit)
    return [
        Missing(pid, code, name, builder or "", status or "none", rid)
        for pid, code, name, builder, status, rid in session.execute(query)
    ]


def by_builder(rows: list[Missing]) -> dict[str, list[Missing]]:
    groups: dict[str, list[Missing]] = defaultdict(list)
    for row in rows:
        groups[row.builder or "（未填写建设单位）"].append(row)
    return dict(groups)


def reminder(config: Settings, unit: str, rows: list[Missing], period: str, due: date, recipients):
    msg = EmailMessage()
    label = logic.label(period)
    msg["Subject"] = f"【月报未报送】{unit}：{label} {len(rows)} 个项目（截止 {due}）"
    msg["From"] = config.smtp_from
    msg["To"] = ", ".join(recipients)
    body = [
        f"{unit}：{label}的月度调度报告应于 {due} 前报送，以下 {len(rows)} 个项目尚未报送。",
        "",
    ]
    body += [f"{r.code} {r.name}：{r.words}" for r in rows]
    body += [
        "",
        "请项目负责人登录学校建设项目管理系统，在「月报」中填报并提交。此邮件由系统自动发送。",
    ]
    msg.set_content("\n".join(body))
    return msg


def send_reminders(session: Session, config: Settings, period: str) -> int:
    """One mail per 建设单位 with recipients (ALERT_RECIPIENTS, else the defaults)."""
    due = logic.due_date(period, config.report_due_day)
    mapping = config.alert_recipients or {}
    default = list(config.alert_default_recipients or [])
    sent = 0
    for unit, rows in sorted(by_builder(missing(session, period)).items()):
        recipients = list(mapping.get(unit) or default)
        if recipients and send_message(
            config, reminder(config, unit, rows, period, due, recipients)
        ):
            sent += 1
    return sent
