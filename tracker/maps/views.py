"""Map pages: the portfolio map, the project-page panel, setting a location, and the GeoJSON API."""

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from tracker import clock, web
from tracker.accounts.web import current_actor, require, user_can
from tracker.config import settings
from tracker.db import get_session
from tracker.maps import basemaps, logic, services
from tracker.maps.coords import from_wgs84
from tracker.maps.forms import LocationForm
from tracker.maps.render import build_map
from tracker.projects import services as project_services
from tracker.projects.filters import ProjectFilter
from tracker.web import load_or_404

bp = Blueprint("maps", __name__, url_prefix="/maps")
api = Blueprint("maps_api", __name__, url_prefix="/api")
ZOOM_BY_PRECISION = {"site": 16, "road": 15, "subdistrict": 13}


def _basemap() -> basemaps.Basemap:
    basemap = basemaps.choose_basemap(settings().section("MAP_"))
    allow = getattr(web, "csp_allow", None)  # the page's CSP must let the tiles in
    if allow and basemaps.tile_origins(basemap):
        allow("img-src", *basemaps.tile_origins(basemap))
    return basemap


def _assets_missing() -> bool:
    return not (Path(current_app.static_folder) / "vendor" / "leaflet" / "leaflet.js").exists()


def _project_url() -> str:
    return url_for("projects.detail", code="__CODE__")


@bp.route("")
def index():
    require("view")
    f = ProjectFilter.from_args(request.args)
    size_by = "seats" if request.args.get("size_by") == "seats" else "investment"
    db = get_session()
    projects = services.map_projects(db, f, today=clock.today(), class_sizes=settings().class_sizes)
    return render_template(
        "maps/index.html",
        f=f,
        size_by=size_by,
        **_portfolio_map(projects, size_by, focus=(request.args.get("focus") or "")[:40]),
        **project_services.filter_choices(db),
    )


def _portfolio_map(projects, size_by: str, focus: str) -> dict:
    """The map of the portfolio page and what its legend counts."""
    basemap = _basemap()
    data = logic.encode_map_data(projects, datum=basemap.datum, size_by=size_by, focus=focus)
    data["project_url"] = _project_url()
    embedded = build_map(
        basemap,
        mode="portfolio",
        data_id="portfolio-map",
        center=tuple(settings().map_center),
        zoom=settings().map_zoom,
        height="72vh",
    )
    drawn = [p for p in projects if p.is_drawn]
    return {
        "map": embedded,
        "data": logic.script_json(data),
        "basemap": basemap,
        "drawn": drawn,
        "unlocated": len(projects) - len(drawn),
        "by_precision": {
            k: sum(1 for p in drawn if p.precision == k) for k in logic.PRECISION_ORDER
        },
        "precision_labels": logic.PRECISION_LABELS,
        "health_css": logic.HEALTH_CSS,
        "assets_missing": _assets_missing(),
    }


def panel_context(session, project, today) -> dict:
    """The project page's small map (and, for editors, the location form)."""
    form = None
    if user_can("project.edit", project):
        form = LocationForm(formdata=None, version=str(project.version))
    return _project_map(session, project, today, form, height="320px")


def _project_map(session, project, today, form, *, height: str) -> dict:
    basemap = _basemap()
    mp = services.map_project(session, project, today=today, class_sizes=settings().class_sizes)
    data = logic.encode_map_data([mp], datum=basemap.datum)
    data["project_url"] = _project_url()
    data["datum"] = basemap.datum
    if form is not None:
        data["edit"] = {"form_id": "location-form"}
    if mp.is_drawn:
        center = from_wgs84(mp.lat, mp.lon, basemap.datum)
        zoom = ZOOM_BY_PRECISION[mp.precision]
    else:
        center, zoom = tuple(settings().map_center), 12
    embedded = build_map(
        basemap, mode="project", data_id="project-map", center=center, zoom=zoom, height=height
    )
    return {
        "map": embedded,
        "data": logic.script_json(data),
        "basemap": basemap,
        "project": project,
        "located": mp.is_drawn,
        "precision_label": logic.PRECISION_LABELS.get(mp.precision, "无位置"),
        "form": form,
        "assets_missing": _assets_missing(),
    }


@bp.route("/projects/<code>/location", methods=["GET", "POST"])
def set_location(code):
    project = load_or_404(project_services.get_by_code, code)
    require("project.edit", project)
    form = LocationForm(version=str(project.version))
    if not form.validate_on_submit():
        ctx = _project_map(get_session(), project, clock.today(), form, height="60vh")
        return render_template("maps/location.html", ctx=ctx), 422 if form.errors else 200
    basemap = basemaps.choose_basemap(settings().section("MAP_"))
    services.set_location(
        get_session(),
        actor=current_actor(),
        project=project,
        lat=form.point[0],
        lon=form.point[1],
        datum=form.datum.data,
        source=form.source(basemap.label),
        expected_version=form.expected_version,
    )
    flash(f"已设置「{project.name}」的位置（准确位置，WGS-84）", "success")
    return redirect(url_for("projects.detail", code=project.code))


@api.route("/projects.geojson")
def projects_geojson():
    require("view")
    f = ProjectFilter.from_args(request.args)
    projects = services.map_projects(
        get_session(), f, today=clock.today(), class_sizes=settings().class_sizes
    )
    body = logic.geojson(projects, project_url=_project_url(), description=f.describe())
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response
