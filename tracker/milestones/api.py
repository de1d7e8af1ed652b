"""Milestones and health inside GET /api/projects/<code>."""

from tracker.milestones import logic, services


def _iso(value):
    return value.isoformat() if value else None


def milestones_part(session, project, today) -> dict:
    r = services.rules()
    milestones = services.milestones_of(session, project.id)
    opening = services.opening_year(project, session.get(services.ProjectSchedule, project.id))
    e = services.evaluate_one(milestones, opening, today, r, services.last_update_of(milestones))
    return {
        "health": e.label,
        "opening_year": e.term.opening_year,
        "term_cutoff": _iso(e.term.cutoff),
        "term_risk": e.term.at_risk,
        "term_slack_days": e.term.slack_days,
        "stale": e.stale,
        "items": [
            {
                "name": m.name,
                "position": m.position,
                "planned_on": _iso(m.planned_on),
                "baseline_on": _iso(m.baseline_on),
                "forecast_on": _iso(m.forecast_on),
                "actual_on": _iso(m.actual_on),
                "is_estimate": m.is_estimate,
                "status": m.status,
                "is_overdue": logic.is_overdue(m, today),
                "days_overdue": logic.days_overdue(m, today),
                "slip_days": logic.slip_days(m),
                "slip_reason": m.slip_reason,
                "responsible_person": m.responsible_person,
                "responsible_unit": m.responsible_unit,
                "note": m.note,
                "version": m.version,
            }
            for m in milestones
        ],
    }
