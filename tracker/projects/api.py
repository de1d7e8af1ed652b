"""Read-only JSON API of the registry: amounts as exact decimal strings in 亿元."""

from flask import Blueprint, jsonify, request

from tracker import clock, extend
from tracker.config import settings
from tracker.db import Page, get_session
from tracker.money import fen_to
from tracker.projects import services
from tracker.projects.filters import ProjectFilter
from tracker.projects.logic import seats
from tracker.projects.models import PRECISIONS, ProjectBase
from tracker.web import load_or_404

bp = Blueprint("projects_api", __name__, url_prefix="/api")
MAX_PAGE = 1000


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def project_json(p) -> dict:
    data = {name: getattr(p, name) for name in ProjectBase.model_fields}
    for key in ("total", "window"):
        data.pop(f"{key}_investment_fen")
        data[f"{key}_investment_yi"] = _decimal(
            fen_to(getattr(p, f"{key}_investment_fen"), "亿元", 6)
        )
    data["land_area_m2"] = _decimal(p.land_area_m2)
    data["floor_area_m2"] = _decimal(p.floor_area_m2)
    data["location_precision_label"] = PRECISIONS.get(p.location_precision, "")
    s = seats(p, settings().class_sizes)
    data.update(seats_total=s.total, seats_added=s.added, seats_declared=s.declared)
    data.update(
        archived=p.archived,
        version=p.version,
        sections=p.sections,
        updated_at=p.updated_at.isoformat() if p.updated_at else None,
    )
    return data


@bp.route("/projects")
def projects():
    f = ProjectFilter.from_args(request.args)
    page = Page.from_request(100, largest=MAX_PAGE)
    rows, count = services.list_page(get_session(), f, page=page.number, page_size=page.size)
    return jsonify(
        {
            "count": count,
            "page": page.number,
            "per_page": page.size,
            "projects": [project_json(p) for p in rows],
        }
    )


@bp.route("/projects/<code>")
def project(code):
    db, p = get_session(), load_or_404(services.get_by_code, code)
    return jsonify(project_json(p) | extend.project_api_parts(db, p, clock.today()))


@bp.route("/summary")
def summary():
    f = ProjectFilter.from_args(request.args)
    t = services.totals(get_session(), f, settings().class_sizes)
    start, end = settings().plan_window
    return jsonify(
        {
            "count": t.count,
            "total_investment_yi": str(fen_to(t.total_fen, "亿元")),
            "window_investment_yi": str(fen_to(t.window_fen, "亿元")),
            "total_investment_wan": str(fen_to(t.total_fen, "万元")),
            "window_investment_wan": str(fen_to(t.window_fen, "万元")),
            "plan_window": f"{start}-{end}",
            "classes_added": t.classes_added,
            "seats_added": t.seats_added,
            "projects_without_seats": t.projects_without_seats,
            "filter": f.describe(),
        }
    )
