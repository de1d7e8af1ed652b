"""Upload of yearly figures, monthly figures and funding sources from a sheet (XLSX/CSV).

read_table → plan (every row checked against the projects and their stored figures; problems by
row and column; nothing written) → apply (one project at a time, audited, in the request's unit of
work). Columns are found by their Chinese header; a blank amount cell keeps the stored figure."""

from sqlmodel import Session, select

from tracker.audit.services import Actor, record
from tracker.finance.services import project_finance, save_project_finance
from tracker.finance.upload_plan import TEMPLATE_HEADERS, FinancePlan, plan_upload
from tracker.projects.models import Project
from tracker.tabular import Limits, Outcome, Problem, Table, run_upload

__all__ = ["TEMPLATE_HEADERS", "UploadOutcome", "apply_upload", "plan_upload", "upload_finance"]


class UploadOutcome(Outcome):
    @property
    def rows(self) -> int:
        return getattr(self.plan, "data_rows", 0)

    @property
    def projects(self) -> int:
        return len(self.plan.rows)

    @property
    def changes(self) -> int:
        return self.result or 0

    @property
    def warnings(self) -> list[Problem]:
        return self.plan.notes


def upload_finance(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    margin_percent: int,
    dry_run: bool = False,
    limits: Limits | None = None,
) -> UploadOutcome:
    def plan(table: Table) -> FinancePlan:
        projects = {p.code: p for p in session.exec(select(Project))}
        return plan_upload(
            table,
            projects=projects,
            stored=lambda p: project_finance(session, p),
            margin_percent=margin_percent,
        )

    outcome = run_upload(
        data,
        filename,
        limits=limits,
        dry_run=dry_run,
        plan=plan,
        apply=lambda checked: apply_upload(session, actor=actor, plan=checked, filename=filename),
    )
    return UploadOutcome(outcome.plan, outcome.result, outcome.dry_run)


def apply_upload(session: Session, *, actor: Actor, plan: FinancePlan, filename: str) -> int:
    """Save every project's merged figures (audited), record the upload; returns the changes."""
    assert plan.ok, "an upload with errors must not be applied"
    changes = 0
    for project, years, months, funding in plan.rows:
        changes += len(
            save_project_finance(
                session,
                actor=actor,
                project=project,
                years=years,
                months=months,
                funding=funding,
                expected_version=None,
            )
        )
    record(
        session,
        actor=actor,
        action="upload",
        entity="investment",
        detail=f"{filename}：{plan.data_rows} 行，{len(plan.rows)} 个项目，{changes} 处改动",
    )
    session.flush()
    return changes
