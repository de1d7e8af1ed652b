"""Brief downloads: one project's brief and the (filtered) portfolio brief, as PDF."""

from urllib.parse import quote

from flask import Blueprint, Response, request

from tracker import clock
from tracker.accounts.web import require, requires
from tracker.briefs import services
from tracker.briefs.fonts import brief_font
from tracker.briefs.render_portfolio import render_portfolio_brief
from tracker.briefs.render_project import render_project_brief
from tracker.config import settings as configured
from tracker.db import get_session
from tracker.projects.filters import ProjectFilter
from tracker.projects.services import get_by_code
from tracker.web import load_or_404

bp = Blueprint("briefs", __name__)


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    ascii_name = filename.encode("ascii", "ignore").decode() or "brief.pdf"
    ascii_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in ascii_name)
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/projects/<code>/brief.pdf")
def project_pdf(code):
    project = load_or_404(get_by_code, code)
    require("brief.print", project)
    settings = services.BriefSettings.from_settings(configured())
    data = services.project_brief(get_session(), project, today=clock.today(), settings=settings)
    pdf = render_project_brief(data, brief_font(settings.font_path), author=settings.author)
    return _pdf(pdf, f"项目简报-{project.code}-{data['as_of']}.pdf")


@bp.route("/briefs/portfolio.pdf")
@requires("brief.print")
def portfolio_pdf():
    f = ProjectFilter.from_args(request.args)
    settings = services.BriefSettings.from_settings(configured())
    data = services.portfolio_brief(get_session(), f, today=clock.today(), settings=settings)
    pdf = render_portfolio_brief(data, brief_font(settings.font_path), author=settings.author)
    return _pdf(pdf, f"项目总体简报-{data['as_of']}.pdf")
