"""Imports every table module so SQLModel.metadata (and Alembic) sees all tables."""

from tracker.accounts.models import ApiToken, LoginThrottle, ProjectAssignment, User  # noqa: F401
from tracker.alerts.models import Alert, AlertScan  # noqa: F401
from tracker.audit.models import AuditEntry  # noqa: F401
from tracker.finance.models import FinanceSheet, FundingSource, InvestmentYear  # noqa: F401
from tracker.milestones.models import Milestone, ProjectSchedule  # noqa: F401
from tracker.ops.models import JobRun, SchedulerHeartbeat  # noqa: F401
from tracker.projects.models import Project  # noqa: F401
from tracker.reports.models import (  # noqa: F401
    MonthlyReport,
    ReportPhoto,
    ReportSnapshot,
    SnapshotRow,
)
from tracker.targets.models import Jurisdiction, Plan, Target, TargetLink  # noqa: F401
