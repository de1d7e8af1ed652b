"""The daily scan as a scheduled job (declared in tracker/jobs.py): its own session and commit."""

import logging
from datetime import date

from flask import Flask
from sqlmodel import Session

from tracker.alerts import mail, services
from tracker.config import settings

log = logging.getLogger(__name__)


def daily_scan(app: Flask, today: date) -> services.ScanResult:
    """Evaluate every project, open/close alerts, then mail the digests if SMTP is configured."""
    with app.app_context(), Session(app.extensions["engine"]) as session:
        result = services.scan(session, today)
        session.commit()
        log.info(
            "daily scan %s: %d projects, %d opened, %d updated, %d closed, %d failed",
            today,
            result.projects,
            result.opened,
            result.updated,
            result.closed,
            len(result.failed),
        )
        configured = settings(app)
        if configured.smtp_host:
            sent = mail.send_digests(session, configured, today)
            log.info("alert digests sent to %d units", sent)
    return result
