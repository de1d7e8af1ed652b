"""Import and export as units of work: read → plan → apply, or query → file."""

from datetime import date

from sqlmodel import Session

from tracker.audit.services import Actor, record
from tracker.dataio import exporter
from tracker.dataio.apply import apply_plan
from tracker.dataio.importer import plan_import
from tracker.projects import services as projects
from tracker.projects.filters import ProjectFilter
from tracker.tabular import Limits, Outcome, run_upload


class ImportOutcome(Outcome):
    """The outcome of a project import: `result` is an ImportResult once applied."""

    @property
    def rows(self) -> int:
        return len(self.plan.rows)

    @property
    def subtotals_checked(self) -> int:
        return getattr(self.plan, "subtotals_checked", 0)


def import_file(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    window: tuple[int, int],
    dry_run: bool,
    limits: Limits | None = None,
) -> ImportOutcome:
    """Validate the whole file; apply it only when every row is good and this is not a dry run."""
    outcome = run_upload(
        data,
        filename,
        limits=limits,
        dry_run=dry_run,
        plan=lambda table: plan_import(table, window=window),
        apply=lambda plan: apply_plan(session, actor=actor, plan=plan, filename=filename),
    )
    return ImportOutcome(outcome.plan, outcome.result, outcome.dry_run)


def export_projects(
    session: Session,
    *,
    actor: Actor,
    f: ProjectFilter,
    fmt: str,
    as_of: date,
    jurisdiction: str,
) -> bytes:
    rows = projects.all_matching(session, f)
    record(
        session,
        actor=actor,
        action="export",
        entity="projects",
        entity_id=fmt,
        detail=f"{f.describe()}，{len(rows)} 个项目",
    )
    if fmt == "xlsx":
        return exporter.to_xlsx(rows, as_of=as_of, jurisdiction=jurisdiction, scope=f.describe())
    return exporter.to_csv(rows)
