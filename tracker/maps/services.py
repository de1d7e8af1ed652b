"""Queries for the map (only the columns it draws, so 10,000 projects stay fast) and setting a
project's location through the registry's audited update."""

from datetime import date

from sqlmodel import Session, select

from tracker.audit.services import Actor
from tracker.maps.coords import to_wgs84
from tracker.maps.logic import MapProject
from tracker.milestones.summary import health_for
from tracker.projects import filters
from tracker.projects.filters import ProjectFilter
from tracker.projects.logic import seats
from tracker.projects.models import Project
from tracker.projects.services import update_project

_COLUMNS = (
    Project.id,
    Project.code,
    Project.name,
    Project.stage,
    Project.nature,
    Project.classes_total,
    Project.classes_added,
    Project.declared_seats,
    Project.sections_text,
    Project.total_investment_fen,
    Project.window_investment_fen,
    Project.period_text,
    Project.lat,
    Project.lon,
    Project.location_precision,
    Project.district,
    Project.subdistrict,
)


class _Capacity:
    """The few fields projects.logic.seats() reads, without building ORM objects."""

    __slots__ = (
        "stage",
        "nature",
        "classes_total",
        "classes_added",
        "declared_seats",
        "sections_text",
    )
    sections = property(Project.sections.fget)

    def __init__(self, row):
        for name in self.__slots__:
            setattr(self, name, getattr(row, name))


def map_projects(
    session: Session, f: ProjectFilter, *, today: date, class_sizes: dict[str, int]
) -> list[MapProject]:
    """Every project the filter selects (located or not), with its health from the schedule."""
    rows = session.exec(filters.apply(select(*_COLUMNS), f)).all()
    health = health_for(session, [r.id for r in rows], today)
    return [_map_project(r, _Capacity(r), health.get(r.id), class_sizes) for r in rows]


def map_project(
    session: Session, project: Project, *, today: date, class_sizes: dict[str, int]
) -> MapProject:
    health = health_for(session, [project.id], today).get(project.id)
    return _map_project(project, project, health, class_sizes)


def _map_project(r, capacity, health, class_sizes: dict[str, int]) -> MapProject:
    s = seats(capacity, class_sizes)
    return MapProject(
        id=r.id,
        code=r.code,
        name=r.name,
        stage=r.stage,
        classes_total=r.classes_total,
        seats_total=s.total,
        seats_added=s.added,
        total_fen=r.total_investment_fen,
        window_fen=r.window_investment_fen,
        period_text=r.period_text,
        lat=r.lat,
        lon=r.lon,
        precision=r.location_precision,
        district=r.district,
        subdistrict=r.subdistrict,
        health=health.label if health else "未开始",
        next_milestone=health.next_milestone if health else None,
        next_due=health.next_due if health else None,
    )


def set_location(
    session: Session,
    *,
    actor: Actor,
    project: Project,
    lat: float,
    lon: float,
    datum: str,
    source: str,
    expected_version: int | None,
) -> dict[str, tuple]:
    """Store a surveyed point: converted to WGS-84, precision "site" (Conflict if the form is stale)."""
    w_lat, w_lon = to_wgs84(lat, lon, datum)
    values = {
        "lat": round(w_lat, 6),
        "lon": round(w_lon, 6),
        "location_precision": "site",
        "location_source": source,
    }
    return update_project(
        session, actor=actor, project=project, values=values, expected_version=expected_version
    )
