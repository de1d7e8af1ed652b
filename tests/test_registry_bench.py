"""The benchmark framework stays runnable: modules are discovered, the synthetic portfolio imports."""

from decimal import Decimal

from scripts.benchmarks import discover
from scripts.benchmarks.__main__ import _met
from scripts.benchmarks.common import measure, portfolio_csv, synthetic_projects
from tests.test_dataio_formats import _import


def test_registry_benchmark_is_discovered_first():
    names = discover()
    assert names[0] == "registry"
    assert "common" not in names and "__main__" not in names


def test_synthetic_portfolio_has_variety_and_imports_exactly(app, db):
    projects = synthetic_projects(300)
    assert len({p["stage"] for p in projects}) >= 5
    assert len({p["subdistrict"] for p in projects}) >= 10
    assert len({p["builder"] for p in projects}) >= 5
    assert any(p["total_investment_fen"] % 100 for p in projects)  # amounts with cents
    assert any(p["classes_total"] is None for p in projects)
    assert any(p["sections_text"] for p in projects)
    outcome = _import(app, db, portfolio_csv(projects), "bench.csv")
    assert outcome.ok, [str(e) for e in outcome.errors[:3]]
    assert outcome.result.created == 300
    from sqlalchemy import func
    from sqlmodel import select

    from tracker.projects.models import Project

    total = db.exec(select(func.sum(Project.total_investment_fen))).one()
    assert int(total) == sum(p["total_investment_fen"] for p in projects)
    assert Decimal(int(total)) > 0


def test_measure_and_target_marks():
    t = measure(lambda: None, repeat=5, warmup=0)
    assert t.runs == 5 and t.p95_ms >= t.median_ms >= 0
    assert _met({"value": 4.2, "target": "< 5"}) == "ok"
    assert _met({"value": 6.9, "target": "< 5"}) == "MISSED"
    assert _met({"value": 1, "target": "-"}) == ""
