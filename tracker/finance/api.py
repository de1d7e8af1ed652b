"""JSON of the finance domain: pivots as exact decimal strings, and a project's figures."""

from flask import Blueprint, abort, jsonify, request

from tracker.accounts.web import requires
from tracker.db import get_session
from tracker.finance import checks, pivots, services
from tracker.finance.logic import exact_text, unit_or_default
from tracker.projects.filters import ProjectFilter

bp = Blueprint("finance_api", __name__, url_prefix="/api/finance")


def _value(column, value, unit: str):
    if value is None:
        return None
    if column.kind == "money":
        return exact_text(value, unit)
    if column.kind == "rate":
        return str(value)
    return value


def _row(columns, row: dict, unit: str) -> dict:
    data = {c.key: _value(c, row.get(c.key), unit) for c in columns}
    if "key" in row and isinstance(row["key"], bool | int):
        data["key"] = row["key"]
    return data


@bp.route("/summary")
@requires("view")
def summary():
    by = request.args.get("by", "year")
    if by not in pivots.BY:
        abort(400)
    unit = unit_or_default(request.args.get("unit"), "万元")
    f = ProjectFilter.from_args(request.args)
    db = get_session()
    table = pivots.pivot(db, by, f)
    cov = checks.coverage(db, f)
    return jsonify(
        {
            "by": by,
            "unit": unit,
            "filter": f.describe(),
            "projects": cov.projects,
            "projects_with_yearly_figures": cov.with_years,
            "projects_with_funding_sources": cov.with_funding,
            "columns": {c.key: c.header for c in table.columns},
            "rows": [_row(table.columns, r, unit) for r in table.rows],
            "total": _row(table.columns, table.total, unit),
        }
    )


def project_part(session, project, today) -> dict:
    """The `finance` part of GET /api/projects/<code> (amounts in 万元, exact)."""
    data = services.project_finance(session, project)

    def wan(fen):
        return exact_text(fen, "万元")

    return {
        "unit": "万元",
        "version": data.version,
        "years": [
            {"year": y.year, "planned": wan(y.planned_fen), "completed": wan(y.completed_fen)}
            for y in data.years
        ],
        "months": [
            {
                "year": m.year,
                "month": m.month,
                "planned": wan(m.planned_fen),
                "completed": wan(m.completed_fen),
            }
            for m in data.months
        ],
        "funding": [
            {"source": s.source, "amount": wan(s.amount_fen), "note": s.note} for s in data.funding
        ],
        "planned_total": wan(data.planned_fen),
        "completed_total": wan(data.completed_fen),
        "funding_total": wan(data.funding_fen),
        "completion_rate": None if data.rate is None else str(data.rate),
        "flags": data.flags,
    }
