"""JSON of the reports: GET /api/reports?month=YYYY-MM (the month's reports, with the project-list
filters and paging) and the `reports` part of GET /api/projects/<code>."""

from flask import Blueprint, abort, jsonify, request

from tracker.db import Page, get_session
from tracker.finance.logic import exact_text
from tracker.projects.filters import ProjectFilter
from tracker.reports import logic, services, table
from tracker.reports.models import STATUS_LABELS

bp = Blueprint("reports_api", __name__, url_prefix="/api")
MAX_PAGE = 1000


def _wan(fen):
    return exact_text(fen, "万元")


@bp.route("/reports")
def reports():
    try:
        period = logic.parse_period(request.args.get("month", ""))
    except logic.PeriodError as exc:
        response = jsonify({"error": str(exc), "status": 400})
        response.status_code = 400
        abort(response)
    f = ProjectFilter.from_args(request.args)
    page = Page.from_request(100, largest=MAX_PAGE)
    db = get_session()
    src = table.Source(period)
    totals = src.totals(db, f)
    rows = src.rows(db, f, limit=page.size, offset=page.offset)
    return jsonify(
        {
            "month": period,
            "unit": "万元",
            "filter": f.describe(),
            "count": totals.projects,
            "page": page.number,
            "per_page": page.size,
            "totals": {
                "total_investment": _wan(totals.total_fen),
                "year_plan": _wan(totals.year_plan_fen),
                "month_completed": _wan(totals.month_fen),
                "cumulative_completed": _wan(totals.cumulative_fen),
                "accepted": totals.accepted,
                "awaiting_review": totals.submitted,
                "not_submitted": totals.not_submitted,
            },
            "reports": [_row(r) for r in rows],
        }
    )


def _row(r: table.Row) -> dict:
    return {
        "code": r.code,
        "name": r.name,
        "builder": r.builder,
        "standing": r.standing,
        "standing_label": r.standing_text,
        "accepted_report_id": r.report_id,
        "revision": r.revision,
        "progress_percent": r.percent,
        "progress": r.progress_text,
        "month_completed": _wan(r.month_fen),
        "cumulative_completed": _wan(r.cumulative_fen),
        "total_investment": _wan(r.total_fen),
        "year_plan": _wan(r.year_plan_fen),
        "completion_rate": r.rate or None,
        "problems": r.problems,
        "next_steps": r.next_steps,
        "coordination": r.coordination,
        "needs_coordination": r.needs_coordination,
    }


def project_part(session, project, today) -> list[dict]:
    """The project's reports, the current version of each month, newest first."""
    return [
        {
            "id": r.id,
            "month": r.period,
            "revision": r.revision,
            "status": r.status,
            "status_label": STATUS_LABELS[r.status],
            "progress_percent": r.progress_percent,
            "progress": r.progress_text,
            "month_completed": _wan(r.month_completed_fen),
            "cumulative_completed": _wan(r.cumulative_fen),
            "problems": r.problems,
            "next_steps": r.next_steps,
            "coordination": r.coordination,
            "stage_now": r.stage_now,
            "stage_reached": r.stage_reached or None,
            "stage_reached_on": r.stage_reached_on.isoformat() if r.stage_reached_on else None,
            "photos": len(services.photos_of(session, r.id)),
            "review_comment": r.review_comment,
        }
        for r in services.of_project(session, project.id, limit=36)
    ]
