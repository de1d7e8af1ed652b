"""The daily digest: one plain-text mail per responsible unit with its open alerts (if SMTP is set)."""

import logging
import smtplib
from collections import defaultdict
from datetime import date
from email.message import EmailMessage

from sqlalchemy import and_, select
from sqlmodel import Session

from tracker.alerts.logic import days_overdue
from tracker.alerts.models import KINDS, Alert
from tracker.config import Settings
from tracker.milestones.models import Milestone
from tracker.projects.models import Project

log = logging.getLogger(__name__)


def digest_lines(session: Session, today: date) -> dict[str, list[str]]:
    """Open alerts per responsible unit: the milestone's 责任单位, else the project's 建设单位."""
    rows = session.execute(
        select(Alert, Project.code, Project.name, Project.builder, Milestone.responsible_unit)
        .join(Project, Project.id == Alert.project_id)
        .outerjoin(Milestone, and_(Milestone.id == Alert.milestone_ref, Alert.milestone_ref != 0))
        .where(Alert.closed_on.is_(None), Project.archived == False)  # noqa: E712
        .order_by(Project.code, Alert.id)
    ).all()
    units: dict[str, list[str]] = defaultdict(list)
    for alert, code, name, builder, unit in rows:
        days = days_overdue(alert.kind, alert.due_on, today)
        late = f"，逾期 {days} 天" if days else ""
        units[unit or builder or "（未填写单位）"].append(
            f"[{KINDS.get(alert.kind, alert.kind)}] {code} {name}：{alert.message}{late}"
        )
    return units


def build_message(
    config: Settings, unit: str, lines: list[str], recipients: list[str], today: date
):
    msg = EmailMessage()
    msg["Subject"] = f"【预警日报】{unit}：{len(lines)} 条未解决预警（{today}）"
    msg["From"] = config.smtp_from
    msg["To"] = ", ".join(recipients)
    body = [f"{unit}：截至 {today}，以下 {len(lines)} 条预警尚未解决。", ""]
    body += lines
    body += ["", "请登录学校建设项目管理系统的「预警」页面处理。此邮件由系统自动发送。"]
    msg.set_content("\n".join(body))
    return msg


def send_digests(session: Session, config: Settings, today: date) -> int:
    """Send one mail per unit with recipients; a failing unit is logged and the rest go on."""
    mapping = config.alert_recipients or {}
    default = list(config.alert_default_recipients or [])
    sent = 0
    for unit, lines in sorted(digest_lines(session, today).items()):
        recipients = list(mapping.get(unit) or default)
        if not recipients:
            continue
        if send_message(config, build_message(config, unit, lines, recipients, today)):
            sent += 1
    return sent


def send_message(config: Settings, message: EmailMessage) -> bool:
    """Send one mail through the configured SMTP server; a failure is logged, not raised (the
    mail helper other domains' reminders reuse)."""
    try:
        with smtplib.SMTP(config.smtp_host, int(config.smtp_port), timeout=15) as smtp:
            if config.smtp_starttls:
                smtp.starttls()
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password)
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("mail %r could not be sent", message["Subject"])
        return False
