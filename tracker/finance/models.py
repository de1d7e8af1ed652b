"""Tables of the finance domain: yearly (and monthly) investment, funding sources, edit versions.

Amounts are integer fen in BigInteger columns, so sums are exact integer sums in SQL."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.clock import now_utc

# The funding sources a project's 总投资 is split into (DOMAIN.md vocabulary).
FUNDING_SOURCES = [
    "财政一般公共预算",
    "地方政府专项债券",
    "上级专项资金",
    "国有平台公司",
    "社会资本/民办",
    "其他",
]


def _project_fk() -> Column:
    return Column(Integer, ForeignKey("project.id", ondelete="CASCADE"), nullable=False, index=True)


class InvestmentYear(SQLModel, table=True):
    """One year of a project: 年度计划投资 and 完成投资 (either may be unknown)."""

    __tablename__ = "investment_year"
    __table_args__ = (UniqueConstraint("project_id", "year", name="uq_investment_year"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_project_fk())
    year: int = Field(index=True)
    planned_fen: int | None = Field(default=None, sa_type=BigInteger)
    completed_fen: int | None = Field(default=None, sa_type=BigInteger)


class InvestmentMonth(SQLModel, table=True):
    """Optional monthly figures (used for the current year)."""

    __tablename__ = "investment_month"
    __table_args__ = (UniqueConstraint("project_id", "year", "month", name="uq_investment_month"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_project_fk())
    year: int
    month: int
    planned_fen: int | None = Field(default=None, sa_type=BigInteger)
    completed_fen: int | None = Field(default=None, sa_type=BigInteger)


class FundingSource(SQLModel, table=True):
    """How much of a project's 总投资 one funding source carries."""

    __tablename__ = "funding_source"
    __table_args__ = (UniqueConstraint("project_id", "source", name="uq_funding_source"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_project_fk())
    source: str = Field(max_length=40, index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class FinanceSheet(SQLModel, table=True):
    """Per project: the version that guards the finance form and uploads against stale saves."""

    __tablename__ = "finance_sheet"

    project_id: int = Field(
        sa_column=Column(Integer, ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    )
    version: int = 1
    updated_at: datetime = Field(
        default_factory=now_utc, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
