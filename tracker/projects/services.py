"""Queries and writes of the registry; every write goes through here and is audited."""

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import and_, case, func, literal, or_
from sqlmodel import Session, select

from tracker import extend
from tracker.audit import Actor, Change, apply_change, record_change
from tracker.clock import today
from tracker.projects import filters
from tracker.projects.filters import ProjectFilter
from tracker.projects.logic import seats
from tracker.projects.models import EDITABLE_FIELDS, STAGES, STATUSES, Project, parse_sections
from tracker.projects.quality import cost_outliers, portfolio_flags, project_flags


@dataclass(frozen=True)
class Totals:
    """The totals line: always computed over exactly the filtered rows."""

    count: int
    total_fen: int
    window_fen: int
    classes_added: int
    seats_added: int
    projects_without_seats: int


def get_by_code(session: Session, code: str) -> Project | None:
    return session.exec(select(Project).where(Project.code == code)).first()


def list_page(
    session: Session, f: ProjectFilter, *, page: int, page_size: int
) -> tuple[list[Project], int]:
    count = session.exec(filters.apply(select(func.count(Project.id)), f, ordered=False)).one()
    rows = session.exec(
        filters.apply(select(Project), f).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return list(rows), count


def all_matching(session: Session, f: ProjectFilter) -> list[Project]:
    return list(session.exec(filters.apply(select(Project), f)))


FLAG_COLUMNS = (
    Project.id,
    Project.code,
    Project.name,
    Project.stage,
    Project.total_investment_fen,
    Project.window_investment_fen,
    Project.start_year,
    Project.end_year,
    Project.classes_total,
    Project.classes_added,
    Project.land_area_m2,
    Project.land_is_additional,
    Project.sections_text,
    Project.curation_note,
    Project.lat,
    Project.lon,
)


def flag_rows(session: Session, f: ProjectFilter) -> list:
    """The filtered projects as plain read-only rows with what the data-quality checks read:
    far cheaper than ORM objects when the portfolio has thousands of projects."""
    return list(session.execute(filters.apply(select(*FLAG_COLUMNS), f)).all())


def cost_peers(session: Session, stage: str) -> list:
    """What the cost-per-class check needs of every active project of a 学段."""
    return list(
        session.execute(
            filters.apply(
                select(
                    Project.id, Project.stage, Project.total_investment_fen, Project.classes_added
                ),
                ProjectFilter(stage=stage),
                ordered=False,
            )
        ).all()
    )


def totals(session: Session, f: ProjectFilter, class_sizes: dict[str, int]) -> Totals:
    """Count, money and capacity of the filtered rows, aggregated in SQL.

    Seats follow logic.seats(): a declared figure wins; otherwise classes × the class size of the
    学段 (a CASE over the configured sizes); mixed schools (分段班数) are summed in Python, they are
    few. Projects without a class count or declared seats are counted as having no seats."""
    declared = Project.declared_seats.is_not(None)
    has_classes = and_(Project.declared_seats.is_(None), Project.classes_total.is_not(None))
    plain = and_(has_classes, Project.sections_text == "")
    added = func.coalesce(Project.classes_added, Project.classes_total)
    size = case(
        *((Project.stage == stage, n) for stage, n in class_sizes.items()), else_=literal(0)
    )
    row = session.exec(
        filters.apply(
            select(
                func.count(Project.id),
                func.coalesce(func.sum(Project.total_investment_fen), 0),
                func.coalesce(func.sum(Project.window_investment_fen), 0),
                func.coalesce(func.sum(case((declared, Project.declared_seats), else_=0)), 0),
                func.coalesce(func.sum(case((plain, added * size), else_=0)), 0),
                func.coalesce(
                    func.sum(case((or_(declared, has_classes), func.coalesce(added, 0)), else_=0)),
                    0,
                ),
                func.coalesce(
                    func.sum(case((and_(~declared, Project.classes_total.is_(None)), 1), else_=0)),
                    0,
                ),
            ),
            f,
            ordered=False,
        )
    ).one()
    count, total, window, declared_seats, plain_seats, classes, missing = (int(v) for v in row)
    mixed = session.exec(
        filters.apply(
            select(
                Project.stage,
                Project.nature,
                Project.classes_total,
                Project.classes_added,
                Project.declared_seats,
                Project.sections_text,
            ).where(has_classes, Project.sections_text != ""),
            f,
            ordered=False,
        )
    ).all()
    # Plain rows, not Project instances: building thousands of SQLModel objects costs seconds.
    mixed_seats = sum(
        seats(
            SimpleNamespace(**r._asdict(), sections=parse_sections(r.sections_text)), class_sizes
        ).added
        for r in mixed
    )
    return Totals(
        count, total, window, classes, declared_seats + plain_seats + mixed_seats, missing
    )


def filter_options(session: Session) -> dict[str, list]:
    """Distinct values for the filter drop-downs."""

    # Values of archived projects are offered too (the list can include them): that lets SQLite
    # and PostgreSQL answer each DISTINCT from its column's index alone.
    def distinct(column):
        return [v for v in session.exec(select(column).distinct().order_by(column)) if v]

    return {
        "subdistrict": distinct(Project.subdistrict),
        "builder": distinct(Project.builder),
        "end_year": distinct(Project.end_year),
    }


def filter_choices(session: Session) -> dict:
    """What the filter controls offer (the list, the map and the finance page share them)."""
    return {"options": filter_options(session), "stages": STAGES, "statuses": STATUSES}


def quality_flags(session: Session, project: Project, quality: dict) -> list:
    """The data-quality flags of one project, the cost-per-class outlier check included."""
    flags = project_flags(
        project, window=quality["window"], max_land_per_class=quality["max_land_per_class"]
    )
    outlier = cost_outliers(cost_peers(session, project.stage), quality["cost_factor"])
    if project.id in outlier:
        flags.append(outlier[project.id])
    return flags


def flagged_projects(session: Session, quality: dict) -> tuple[list, int]:
    """Every active project with data-quality flags, as (row, flags), and how many were checked."""
    projects = flag_rows(session, ProjectFilter())
    flags = portfolio_flags(projects, **quality)
    return [(p, flags[p.id]) for p in projects if p.id in flags], len(projects)


def create_project(session: Session, *, actor: Actor, values: dict) -> Project:
    project = Project(**values)
    session.add(project)
    session.flush()
    extend.projects_created(session, [project.id], today())
    record_change(
        session,
        actor=actor,
        action="create",
        entity="project",
        entity_id=project.code,
        project_id=project.id,
        detail=project.name,
        changes=[],
        version=project.version,
    )
    return project


def update_project(
    session: Session,
    *,
    actor: Actor,
    project: Project,
    values: dict,
    expected_version: int | None,
    action: str = "update",
    flush: bool = True,
) -> list[Change]:
    """Apply changed fields as one audited, versioned save (Conflict when the form is stale)."""
    return apply_change(
        session,
        actor=actor,
        record=project,
        expected_version=expected_version,
        entity="project",
        entity_id=project.code,
        project_id=project.id,
        values={k: v for k, v in values.items() if k in EDITABLE_FIELDS},
        action=action,
        flush=flush,
    )


def set_archived(session: Session, *, actor: Actor, project: Project, archived: bool) -> None:
    if project.archived == archived:
        return
    apply_change(
        session,
        actor=actor,
        record=project,
        expected_version=None,
        entity="project",
        entity_id=project.code,
        project_id=project.id,
        values={"archived": archived},
        action="archive" if archived else "restore",
    )
