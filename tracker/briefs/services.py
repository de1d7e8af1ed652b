"""Gather a brief's figures from the other domains (through their summary contracts) and hand
them to the pure builders in logic.py. Read-only: nothing here writes."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from tracker.briefs.fmt import BRIEF_SYSTEM
from tracker.briefs.logic import portfolio_brief_data, project_brief_data
from tracker.config import Settings
from tracker.finance import summary as finance
from tracker.milestones import summary as milestones
from tracker.projects import services as projects
from tracker.projects.filters import ProjectFilter
from tracker.projects.logic import seats
from tracker.projects.quality import portfolio_flags, project_flags
from tracker.targets import summary as targets


@dataclass(frozen=True)
class BriefSettings:
    class_sizes: dict
    window: tuple[int, int]
    max_land_per_class: int
    cost_factor: float
    font_path: str = ""
    author: str = ""
    term_cutoff: tuple[int, int] = (8, 31)

    @classmethod
    def from_settings(cls, s: Settings) -> "BriefSettings":
        return cls(
            class_sizes=s.class_sizes,
            window=s.plan_window,
            max_land_per_class=s.quality_max_land_m2_per_class,
            cost_factor=s.quality_cost_per_class_factor,
            font_path=s.pdf_font,
            author=s.brief_author or BRIEF_SYSTEM,
            term_cutoff=(s.term_cutoff_month, s.term_cutoff_day),
        )

    @property
    def quality(self) -> dict:
        return {
            "window": self.window,
            "max_land_per_class": self.max_land_per_class,
            "cost_factor": self.cost_factor,
        }


def project_flags_with_outliers(session: Session, project, settings: BriefSettings) -> list:
    """The project's own flags plus the cost-per-class comparison with its 学段 (as the page shows)."""
    flags = project_flags(
        project, window=settings.window, max_land_per_class=settings.max_land_per_class
    )
    peers = projects.all_matching(session, ProjectFilter(stage=project.stage))
    outliers = portfolio_flags(peers, **settings.quality).get(project.id, [])
    return flags + [f for f in outliers if f.code == "cost_per_class"]


def project_brief(
    session: Session, project, *, today: date, settings: BriefSettings, flags=None
) -> dict:
    if flags is None:
        flags = project_flags_with_outliers(session, project, settings)
    health = milestones.health_for(session, [project.id], today).get(project.id)
    return project_brief_data(
        project,
        seats=seats(project, settings.class_sizes),
        health=health,
        milestones=milestones.milestones_for(session, project.id, today),
        yearly=finance.yearly_for_project(session, project.id),
        flags=flags,
        as_of=today,
        window=settings.window,
        cutoff=settings.term_cutoff,
    )


def portfolio_brief(
    session: Session, f: ProjectFilter, *, today: date, settings: BriefSettings
) -> dict:
    rows = projects.all_matching(session, f)
    ids = [p.id for p in rows]
    return portfolio_brief_data(
        rows,
        seats={p.id: seats(p, settings.class_sizes) for p in rows},
        health=milestones.health_for(session, ids, today) if ids else {},
        yearly=finance.yearly_totals(session, ids) if ids else [],
        targets=targets.brief_rows(session, f, today),
        flags=_flags(session, f, rows, settings),
        as_of=today,
        window=settings.window,
        scope=f.describe(),
        cutoff=settings.term_cutoff,
    )


def _flags(session: Session, f: ProjectFilter, rows, settings: BriefSettings) -> dict:
    """Flags of the filtered projects; cost outliers are judged against the whole portfolio,
    as on the project page, not against the filtered few."""
    everyone = (
        rows if f.is_empty else projects.all_matching(session, ProjectFilter(archived=f.archived))
    )
    found = portfolio_flags(everyone, **settings.quality)
    return {p.id: found[p.id] for p in rows if p.id in found}
