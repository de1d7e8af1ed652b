"""The weekly scheduled job (declared in tracker/jobs.py): the portfolio brief into BRIEF_OUTPUT_DIR."""

import logging
from datetime import date
from pathlib import Path

from flask import Flask
from sqlmodel import Session

from tracker.briefs.output import write_file, write_portfolio
from tracker.briefs.services import BriefSettings
from tracker.config import settings as configured

log = logging.getLogger(__name__)


def output_dir(app: Flask) -> Path:
    return Path(configured(app).brief_output_dir or Path(app.instance_path) / "briefs")


def weekly_portfolio_brief(app: Flask, today: date) -> Path:
    """Write 项目总体简报-<date>.pdf (and replace latest.pdf) in the configured folder."""
    with app.app_context():
        settings = BriefSettings.from_settings(configured(app))
        folder = output_dir(app)
        with Session(app.extensions["engine"]) as session:
            path = write_portfolio(
                session,
                folder,
                today=today,
                settings=settings,
                name=f"项目总体简报-{today.isoformat()}.pdf",
            )
        write_file(folder / "latest.pdf", path.read_bytes())
        log.info("weekly portfolio brief written to %s", path)
        return path
