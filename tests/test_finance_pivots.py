"""Pivots: exact integer sums, totals equal to their rows, filters honoured, no float anywhere."""

from decimal import Decimal

import pytest
from sqlalchemy import insert
from sqlmodel import select

from tests.conftest import make_project
from tracker.finance import checks, pivots
from tracker.finance.logic import completion_rate, exact_text
from tracker.finance.models import FundingSource, InvestmentYear
from tracker.finance.summary import completed_total_fen, yearly_for_project, yearly_totals
from tracker.money import parse_amount
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project

BYS = ["year", "subdistrict", "builder", "stage", "government", "source", "project"]
MONEY = ("total", "window", "planned", "completed", "funding", "amount")


def add_years(db, project, figures: dict[int, tuple]):
    for year, (planned, completed) in figures.items():
        db.add(
            InvestmentYear(
                project_id=project.id,
                year=year,
                planned_fen=None if planned is None else parse_amount(planned, "万元"),
                completed_fen=None if completed is None else parse_amount(completed, "万元"),
            )
        )
    db.commit()


def add_funding(db, project, amounts: dict[str, str]):
    for source, amount in amounts.items():
        db.add(
            FundingSource(
                project_id=project.id, source=source, amount_fen=parse_amount(amount, "万元")
            )
        )
    db.commit()


@pytest.fixture
def portfolio(seeded, db):
    projects = {p.code: p for p in db.exec(select(Project))}
    add_years(db, projects["YC2022-20"], {2023: ("5000", "4800.5"), 2024: ("10000", None)})
    add_years(db, projects["YC2022-23"], {2023: ("0.01", "0.01"), 2025: ("40000", "39999.99")})
    add_years(db, projects["YC2022-01"], {2021: ("3000", "3000")})
    add_funding(
        db, projects["YC2022-23"], {"财政一般公共预算": "20000", "地方政府专项债券": "10000"}
    )
    add_funding(db, projects["YC2022-01"], {"国有平台公司": "14999.99"})
    return projects


def assert_total_is_sum(table):
    for column in table.columns:
        if column.kind in ("money", "count") and column.key in table.total:
            values = [r[column.key] for r in table.rows if r[column.key] is not None]
            total = table.total[column.key]
            if column.key == "projects" and table.by in ("year", "source"):
                continue  # distinct projects: a project counts in several years
            assert (total or 0) == sum(values), (table.by, column.key)
            assert isinstance(total or 0, int) and not isinstance(total, bool)
            assert all(isinstance(v, int) for v in values)


@pytest.mark.parametrize("by", BYS)
def test_each_pivot_total_equals_its_rows(portfolio, db, by):
    table = pivots.pivot(db, by, ProjectFilter())
    assert table.rows
    assert_total_is_sum(table)


def test_year_pivot_figures(portfolio, db):
    table = pivots.year_pivot(db, ProjectFilter())
    rows = {r["key"]: r for r in table.rows}
    assert sorted(rows) == [2021, 2023, 2024, 2025]
    assert exact_text(rows[2023]["planned"], "万元") == "5000.01"
    assert exact_text(rows[2023]["completed"], "万元") == "4800.51"
    assert rows[2024]["completed"] is None and rows[2024]["rate"] is None
    assert rows[2023]["rate"] == Decimal("96.0")
    assert table.total["projects"] == 3
    assert exact_text(table.total["planned"], "亿元") == "5.800001"  # 58000.01 万元


def test_group_pivots_cover_the_whole_portfolio(portfolio, db):
    for by in ("subdistrict", "builder", "stage", "government"):
        table = pivots.pivot(db, by, ProjectFilter())
        assert table.total["projects"] == 35
        assert exact_text(table.total["total"], "亿元") == "77.80"
        assert exact_text(table.total["window"], "亿元") == "48.39"
    gov = pivots.pivot(db, "government", ProjectFilter())
    assert {r["label"] for r in gov.rows} <= {"政府或国有平台投资", "非政府投资"}


def test_source_pivot_and_flags(portfolio, db):
    table = pivots.source_pivot(db, ProjectFilter())
    assert [r["label"] for r in table.rows] == [
        "财政一般公共预算",
        "地方政府专项债券",
        "国有平台公司",
    ]
    assert exact_text(table.total["amount"], "万元") == "44999.99"
    flagged = [r.code for r in checks.funding_mismatch(db, ProjectFilter()).rows]
    assert flagged == ["YC2022-01"]  # 14999.99 vs 15000; row 23's 3亿 matches exactly
    over = [r.code for r in checks.plan_above_total(db, ProjectFilter()).rows]
    assert over == ["YC2022-23"]  # 40000.01 万元 planned vs 3亿 total


def test_pivots_honour_the_project_filter(portfolio, db):
    f = ProjectFilter(subdistrict=portfolio["YC2022-23"].subdistrict)
    table = pivots.year_pivot(db, f)
    expected = {c for c, p in portfolio.items() if p.subdistrict == f.subdistrict} & {
        "YC2022-20",
        "YC2022-23",
        "YC2022-01",
    }
    assert table.total["projects"] == len(expected)
    stage = pivots.group_pivot(db, "stage", ProjectFilter(stage="幼儿园"))
    assert [r["label"] for r in stage.rows] == ["幼儿园"]
    assert checks.coverage(db, ProjectFilter(stage="幼儿园")).with_years == 0


def test_ten_thousand_cents_make_exactly_one_hundred(app, db):
    """10,000 rows of 0.01 万元 sum to exactly 100.00 万元: integer fen, no float drift."""
    projects = [
        make_project(db, number=9000 + i, start_year=2016, end_year=2025) for i in range(1000)
    ]
    cent = parse_amount("0.01", "万元")
    db.execute(
        insert(InvestmentYear),
        [
            {"project_id": p.id, "year": 2016 + k, "planned_fen": cent, "completed_fen": cent}
            for p in projects
            for k in range(10)
        ],
    )
    db.commit()
    table = pivots.year_pivot(db, ProjectFilter())
    assert exact_text(table.total["planned"], "万元") == "100.00"
    assert exact_text(table.total["completed"], "万元") == "100.00"
    assert all(exact_text(r["planned"], "万元") == "10.00" for r in table.rows)
    assert_total_is_sum(table)
    ids = [p.id for p in projects]
    assert completed_total_fen(db, ids) == 100 * 10**6
    assert sum(y.planned_fen for y in yearly_totals(db, ids)) == 100 * 10**6
    assert len(yearly_for_project(db, ids[0])) == 10
    # the float way drifts; ours does not
    assert sum([0.01] * 10_000) != 100.0


def test_summary_contract_is_empty_for_the_seed(seeded, db):
    ids = list(db.exec(select(Project.id)))
    assert yearly_totals(db, ids) == [] and completed_total_fen(db, ids) == 0


def test_completion_rate_is_exact_half_up():
    assert completion_rate(1, 8) == Decimal("12.5")
    assert completion_rate(2, 3) == Decimal("66.7")
    assert completion_rate(5, 0) is None and completion_rate(None, 5) is None
    assert exact_text(1, "亿元") == "0.0000000001" and exact_text(100, "万元") == "0.0001"


def test_project_pages_match_the_full_table(portfolio, db):
    full = pivots.project_pivot(db, ProjectFilter(sort="total", order="desc"))
    pages = [
        pivots.project_pivot(db, ProjectFilter(sort="total", order="desc"), limit=10, offset=o)
        for o in range(0, 40, 10)
    ]
    assert [r for p in pages for r in p.rows] == full.rows
    assert all(p.total == full.total and p.count == 35 for p in pages)
