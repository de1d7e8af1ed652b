"""操作日志: the global audit trail for administrators, filtered and exported. It lives with the
accounts (who may see it, whose names fill its filter); projects are named through the project
directory the registry provides."""

from datetime import date

from flask import Blueprint, Response, render_template, request

from tracker import clock
from tracker.accounts.services import list_users
from tracker.accounts.web import current_actor, requires
from tracker.audit import export, record
from tracker.audit.labels import ACTIONS
from tracker.audit.services import AuditFilter, all_matching, search
from tracker.config import settings
from tracker.db import Page, get_session
from tracker.extend import find_project, project_refs
from tracker.tabular import CSV_MIME, XLSX_MIME

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100
MIME = {"csv": CSV_MIME, "xlsx": XLSX_MIME}


def _date(name: str) -> tuple[date | None, str]:
    text = request.args.get(name, "").strip()
    if not text:
        return None, ""
    try:
        return date.fromisoformat(text), ""
    except ValueError:
        return None, f"日期「{text}」格式不对，应为 2025-01-31"


def _filter() -> tuple[AuditFilter, list[str], str]:
    """The filter from the query string, the problems found in it, and the project code asked."""
    problems = []
    code = request.args.get("project", "").strip()
    project_id = None
    if code:
        project = find_project(get_session(), code)
        if project is None:
            problems.append(f"没有编号为「{code}」的项目")
            project_id = -1  # match nothing rather than everything
        else:
            project_id = project.id
    date_from, p1 = _date("from")
    date_to, p2 = _date("to")
    problems += [p for p in (p1, p2) if p]
    action = request.args.get("action", "")
    f = AuditFilter(
        username=request.args.get("user", "").strip(),
        action=action if action in ACTIONS else "",
        project_id=project_id,
        date_from=date_from,
        date_to=date_to,
    )
    return f, problems, code


def _project_codes(entries) -> dict[int, str]:
    ids = {e.project_id for e in entries if e.project_id}
    return {r.id: r.code for r in project_refs(get_session(), ids)}


@bp.route("")
@requires("audit.view_all")
def index():
    f, problems, code = _filter()
    page, db = Page.from_request(PAGE_SIZE), get_session()
    entries, count = search(db, f, clock.SHANGHAI, page=page.number, page_size=page.size)
    return render_template(
        "audit/index.html",
        entries=entries,
        count=count,
        page=page.counted(count),
        f=f,
        code=code,
        problems=problems,
        actions=ACTIONS,
        users=[u.username for u in list_users(db)],
        codes=_project_codes(entries),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/export.<fmt>")
@requires("audit.view_all")
def download(fmt):
    if fmt not in MIME:
        return render_template("error.html", code=404, message="只支持导出 CSV 或 XLSX"), 404
    f, _problems, code = _filter()
    db = get_session()
    entries = all_matching(db, f, clock.SHANGHAI)
    codes = _project_codes(entries)
    today = clock.today()
    if fmt == "xlsx":
        data = export.to_xlsx(
            entries,
            codes,
            as_of=today,
            jurisdiction=settings().jurisdiction_name,
            scope=export.describe(f, code),
        )
    else:
        data = export.to_csv(entries, codes)
    record(
        db,
        actor=current_actor(),
        action="export",
        entity="audit",
        entity_id=fmt,
        detail=f"导出操作日志 {len(entries)} 条",
    )
    name = f"audit-{today:%Y%m%d}.{fmt}"
    return Response(  # content_type, not mimetype: Flask would add a second charset
        data,
        content_type=MIME[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
