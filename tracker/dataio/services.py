"""Import and export as units of work: read → plan → apply, or query → file."""

from dataclasses import dataclass, field

from sqlmodel import Session

from tracker.audit.services import Actor, record
from tracker.dataio import exporter
from tracker.dataio.apply import ImportResult, apply_plan
from tracker.dataio.importer import RowError, plan_import
from tracker.dataio.tables import TableError, read_table
from tracker.projects import services as projects
from tracker.projects.filters import ProjectFilter


@dataclass
class ImportOutcome:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    result: ImportResult | None = None
    subtotals_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def import_file(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    window: tuple[int, int],
    dry_run: bool,
) -> ImportOutcome:
    """Validate the whole file; apply it only when every row is good and this is not a dry run."""
    try:
        sheet = read_table(data, filename)
    except TableError as exc:
        return ImportOutcome(errors=[RowError(0, "", str(exc))])
    plan = plan_import(sheet, window=window)
    outcome = ImportOutcome(
        errors=plan.errors, rows=len(plan.rows), subtotals_checked=plan.subtotals_checked
    )
    if outcome.ok and not dry_run:
        outcome.result = apply_plan(session, actor=actor, plan=plan, filename=filename)
    return outcome


def export_projects(session: Session, *, actor: Actor, f: ProjectFilter, fmt: str) -> bytes:
    rows = projects.all_matching(session, f)
    record(
        session,
        actor=actor,
        action="export",
        entity="projects",
        entity_id=fmt,
        detail=f"{f.describe()}，{len(rows)} 个项目",
    )
    return exporter.to_xlsx(rows) if fmt == "xlsx" else exporter.to_csv(rows)
