"""Upload and download of the project table."""

from flask import Blueprint, Response, current_app, render_template, request

from tracker import clock
from tracker.accounts.web import current_actor, requires
from tracker.config import settings
from tracker.dataio.forms import ImportForm
from tracker.dataio.services import export_projects, import_file
from tracker.db import get_session
from tracker.projects.filters import ProjectFilter
from tracker.tabular import CSV_MIME, XLSX_MIME, Limits

bp = Blueprint("dataio", __name__, url_prefix="/projects")

MIME = {"csv": CSV_MIME, "xlsx": XLSX_MIME}


@bp.route("/import", methods=["GET", "POST"])
@requires("project.import")
def upload():
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.file.data
        outcome = import_file(
            get_session(),
            actor=current_actor(),
            data=upload.read(),
            filename=upload.filename or "",
            window=settings().plan_window,
            dry_run=form.dry_run.data,
            limits=Limits.from_settings(current_app.config),
        )
    status = 422 if (outcome and not outcome.ok) or form.errors else 200
    return render_template("dataio/import.html", form=form, outcome=outcome), status


@bp.route("/export.<fmt>")
@requires("export")
def download(fmt):
    if fmt not in MIME:
        return render_template("error.html", code=404, message="只支持导出 CSV 或 XLSX"), 404
    today = clock.today()
    data = export_projects(
        get_session(),
        actor=current_actor(),
        f=ProjectFilter.from_args(request.args),
        fmt=fmt,
        as_of=today,
        jurisdiction=settings().jurisdiction_name,
    )
    name = f"projects-{today:%Y%m%d}.{fmt}"
    return Response(  # content_type, not mimetype: Flask would add a second charset
        data,
        content_type=MIME[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
