"""Writing briefs to a folder (the make-briefs command and the weekly job): one failing project
is logged and skipped, never stops the run."""

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session

from tracker.briefs import services
from tracker.briefs.fonts import brief_font
from tracker.briefs.render_portfolio import render_portfolio_brief
from tracker.briefs.render_project import render_project_brief
from tracker.projects.filters import ProjectFilter
from tracker.projects.quality import portfolio_flags

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass
class Written:
    files: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def safe_name(value: str) -> str:
    """A file name part from a project code (codes are user text)."""
    return _UNSAFE.sub("_", value).strip("._") or "project"


def write_file(path: Path, data: bytes) -> Path:
    """Write through a temporary file so a reader never sees half a PDF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def write_portfolio(
    session: Session,
    folder: Path,
    *,
    today: date,
    settings,
    f: ProjectFilter | None = None,
    name: str = "portfolio.pdf",
) -> Path:
    data = services.portfolio_brief(session, f or ProjectFilter(), today=today, settings=settings)
    pdf = render_portfolio_brief(data, brief_font(settings.font_path), author=settings.author)
    return write_file(folder / name, pdf)


def write_all(session: Session, folder: Path, *, today: date, settings) -> Written:
    """One brief per active project plus the portfolio brief."""
    result = Written()
    projects = services.projects.all_matching(session, ProjectFilter())
    flags = portfolio_flags(projects, **settings.quality)
    font = brief_font(settings.font_path)
    for project in projects:
        try:
            # Flags over the whole portfolio equal the project page's (own checks + 学段 outliers).
            own = flags.get(project.id, [])
            data = services.project_brief(
                session, project, today=today, settings=settings, flags=own
            )
            pdf = render_project_brief(data, font, author=settings.author)
            result.files.append(write_file(folder / f"{safe_name(project.code)}.pdf", pdf))
        except Exception:  # noqa: BLE001 — one bad project must not stop the others
            log.exception("brief for project %s failed", project.code)
            result.failed.append(project.code)
    result.files.append(write_portfolio(session, folder, today=today, settings=settings))
    return result
