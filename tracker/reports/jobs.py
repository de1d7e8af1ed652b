"""The month-close job (declared in tracker/jobs.py): for the newest month whose deadline has
passed, seal its snapshot (once) and mail the 未报送 lists per 建设单位 when SMTP is configured."""

import logging
from dataclasses import dataclass
from datetime import date

from flask import Flask
from sqlmodel import Session

from tracker.audit import SYSTEM
from tracker.config import settings
from tracker.reports import deadlines, logic, snapshots

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonthClose:
    period: str
    sealed: bool  # the snapshot was taken by this run
    missing: int
    mailed: int


def month_close(app: Flask, today: date) -> MonthClose:
    configured = settings(app)
    period = logic.last_closed(today, configured.report_due_day)
    with app.app_context(), Session(app.extensions["engine"]) as session:
        _snap, sealed = snapshots.take(session, period, today=today, actor=SYSTEM)
        session.commit()
        missing = deadlines.missing(session, period)
        mailed = (
            deadlines.send_reminders(session, configured, period) if configured.smtp_host else 0
        )
    log.info(
        "month close %s: snapshot %s, %d reports missing, %d mails",
        period,
        "taken" if sealed else "kept",
        len(missing),
        mailed,
    )
    return MonthClose(period, sealed, len(missing), mailed)
