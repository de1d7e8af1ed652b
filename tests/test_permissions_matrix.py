"""The permission matrix: each role × each kind of action, through the real routes with CSRF on.
Allowed actions get through and take effect (pages answer 200; every write is checked in the
database); denied ones get a 403 (Chinese page, or JSON under /api/), are recorded, and change
nothing. Every row is real: a route that is missing fails, and each write posts a complete, valid
form (read from the page as an administrator sees it), so only the permission check can refuse it."""

import io
import re
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

import pytest
from conftest import TEST_ACTOR, AuthActions, FormClient, form_fields, make_project, project_form
from sqlmodel import func, select

from tracker.accounts.models import User
from tracker.alerts.models import Alert
from tracker.audit.models import AuditEntry
from tracker.finance.models import InvestmentYear
from tracker.milestones.models import Milestone
from tracker.projects.models import Project
from tracker.targets.models import Target, TargetLink

ROLES = ["admin", "pm", "finance", "leader", "viewer"]
ALL = set(ROLES)
MISSING_ID = 999_999


def _project_form(project, **changes):
    return project_form(project, **{"status": "在建", **changes})


IMPORT_CSV = (
    "序号,项目名称,项目期限,建设地点,建设内容,总投资（亿元）,2021-2025年投资额（亿元）,建设单位,"
    "是否为政府投资项目或国有平台公司投资项目,备注\n"
    "1,矩阵测试小学,2023-2025,灵芝街道,新建24班,1.2,1.2,镜湖开发办,是,\n"
).encode()
FINANCE_CSV = "项目编号,年度,年度计划投资（万元）,完成投资（万元）\r\nM-A,2024,1234,\r\n".encode()


class Action(NamedTuple):
    endpoints: str | tuple[str, ...]  # the endpoint that must exist (under either name)
    allowed: set[str]
    do: Callable  # (client, ctx) → response
    took_effect: Callable | None = None  # (db, ctx) → bool; required for every POST
    setup: Callable | None = None  # (app, db, ctx) → None: data and forms the action needs


def _get(url):
    return lambda c, ctx: c.get(url.format(**ctx))


def _post(url, data=None):
    def do(c, ctx):
        payload = {"csrf_token": c.csrf_token("/")} | (data(ctx) if callable(data) else data or {})
        return c.post(url.format(**ctx), data=payload)

    return do


MAP_LOCATION = ("maps.set_location", "maps.location")  # the endpoint under either name


def _present(c, endpoints) -> str:
    names = (endpoints,) if isinstance(endpoints, str) else endpoints
    return next(n for n in names if n in c.application.view_functions)


def _url_of(c, endpoint: str, code: str) -> str:
    """The URL of an endpoint whatever its shape (another domain may reshape its routes)."""
    (rule,) = [r for r in c.application.url_map.iter_rules() if r.endpoint == endpoint]
    return _sample_url(rule, code)


def _upload(url, content: bytes, name: str):
    def do(c, ctx):
        return c.post(
            url,
            data={"csrf_token": c.csrf_token("/"), "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )

    return do


def _name(db, code):
    db.expire_all()
    return db.exec(select(Project).where(Project.code == code)).one()


def _admin_form(url: str, **kwargs):
    """The form at `url` as an administrator's browser would submit it (read in setup, before the
    role under test acts, so the administrator's own requests are not counted)."""

    def read(app, db, ctx):
        admin = ctx.get("admin_client")
        if admin is None:
            admin = ctx["admin_client"] = FormClient(app.test_client())
            AuthActions(admin, db).login("admin", username="matrix-admin")
        response = admin.get(url.format(**ctx))
        assert response.status_code == 200, (url, response.status_code)
        return form_fields(response.get_data(as_text=True), **kwargs)

    return read


# --- what each row needs --------------------------------------------------------------------


def _milestones(app, db, ctx):
    from tracker.milestones.services import lay_out

    with app.app_context():
        lay_out(db, [ctx["A"].id, ctx["B"].id], date(2026, 1, 1))
    db.commit()


def _milestone_form(which):
    def setup(app, db, ctx):
        _milestones(app, db, ctx)
        form = _admin_form(f"/projects/{{{which}}}/milestones", containing="version")(app, db, ctx)
        (row,) = [
            k[: -len("-name")] for k, v in form.items() if k.endswith("-name") and v == "立项批复"
        ]
        ctx["form"] = form | {f"{row}-actual": "2023-02-01"}

    return setup


def _approved_on(db, code):
    db.expire_all()
    project = _name(db, code)
    query = select(Milestone).where(
        Milestone.project_id == project.id, Milestone.name == "立项批复"
    )
    return db.exec(query).one().actual_on


def _finance_form(app, db, ctx):
    form = _admin_form("/finance/projects/{a}", containing="version")(app, db, ctx)
    ctx["form"] = form | {"years-0-year": "2024", "years-0-planned": "1234"}


def _year_2024(db, ctx):
    db.expire_all()
    query = select(InvestmentYear).where(
        InvestmentYear.project_id == ctx["A"].id, InvestmentYear.year == 2024
    )
    row = db.exec(query).first()
    return row is not None and row.planned_fen is not None


def _alert(app, db, ctx):
    alert = Alert(
        project_id=ctx["A"].id, kind="overdue", opened_on=date(2026, 1, 5), message="测试"
    )
    db.add(alert)
    db.commit()
    ctx["alert_id"] = alert.id


def _acknowledged(db, ctx):
    db.expire_all()
    return db.get(Alert, ctx["alert_id"]).acknowledged_at is not None


def _location(which):
    def payload(ctx):
        project = ctx[which.upper()]
        return {
            "lat": "30.05",
            "lon": "120.61",
            "datum": "wgs84",
            "origin": "typed",
            "note": "",
            "version": str(project.version),
        }

    return lambda c, ctx: _post(_url_of(c, _present(c, MAP_LOCATION), ctx[which]), payload)(c, ctx)


def _located(which):
    return lambda db, ctx: _name(db, ctx[which]).location_precision == "site"


def _targets(app, db, ctx):
    from tracker.targets.loader import (
        JURISDICTIONS_FILE,
        TARGETS_FILE,
        load_jurisdictions,
        load_targets,
    )

    load_jurisdictions(db, JURISDICTIONS_FILE.read_text(encoding="utf-8"))
    load_targets(db, actor=TEST_ACTOR, text=TARGETS_FILE.read_text(encoding="utf-8"))
    db.commit()
    target = db.exec(select(Target).order_by(Target.id)).first()
    ctx.update(target=target.id, plan=target.plan_id, target_version=target.version)


def _target_edit_form(app, db, ctx):
    _targets(app, db, ctx)
    form = _admin_form("/targets/{target}/edit", containing="version")(app, db, ctx)
    ctx["form"] = form | {"note": "矩阵修改"}


def _target_new_form(app, db, ctx):
    _targets(app, db, ctx)
    form = _admin_form("/targets/plans/{plan}/new", containing="indicator")(app, db, ctx)
    ctx["form"] = form | {
        "indicator": "矩阵新目标",
        "target_value": "3",
        "target_year": "2025",
        "rule": "计数: 学段=幼儿园",
    }


def _target(db, ctx):
    db.expire_all()
    return db.get(Target, ctx["target"])


def _form_post(url):
    return _post(url, lambda ctx: ctx["form"])


ACTIONS = {
    "view project list": Action("projects.index", ALL, _get("/projects")),
    "view project page": Action("projects.detail", ALL, _get("/projects/{a}")),
    "API project list": Action("projects_api.projects", ALL, _get("/api/projects")),
    "API one project": Action("projects_api.project", ALL, _get("/api/projects/{a}")),
    "create project": Action(
        "projects.create",
        {"admin"},
        _post("/projects/new", lambda ctx: _project_form(ctx["A"], code="NEW-1", name="新学校")),
        lambda db, ctx: db.exec(select(Project).where(Project.code == "NEW-1")).first() is not None,
    ),
    "edit assigned project": Action(
        "projects.edit",
        {"admin", "pm"},
        _post("/projects/{a}/edit", lambda ctx: _project_form(ctx["A"], name="改名甲")),
        lambda db, ctx: _name(db, ctx["a"]).name == "改名甲",
    ),
    "edit unassigned project": Action(
        "projects.edit",
        {"admin"},
        _post("/projects/{b}/edit", lambda ctx: _project_form(ctx["B"], name="改名乙")),
        lambda db, ctx: _name(db, ctx["b"]).name == "改名乙",
    ),
    "archive project": Action(
        "projects.archive",
        {"admin"},
        _post("/projects/{a}/archive"),
        lambda db, ctx: _name(db, ctx["a"]).archived,
    ),
    "import upload": Action(
        "dataio.upload",
        {"admin"},
        _upload("/projects/import", IMPORT_CSV, "m.csv"),
        lambda db, ctx: (
            db.exec(select(Project).where(Project.name == "矩阵测试小学")).first() is not None
        ),
    ),
    "export projects": Action("dataio.download", ALL - {"viewer"}, _get("/projects/export.csv")),
    "users page": Action("users.index", {"admin"}, _get("/users")),
    "create user": Action(
        "users.create",
        {"admin"},
        _post("/users/new", {"username": "matrix.new", "role": "viewer"}),
        lambda db, ctx: (
            db.exec(select(User).where(User.username == "matrix.new")).first() is not None
        ),
    ),
    "audit page": Action("audit.index", {"admin"}, _get("/audit")),
    "audit export": Action("audit.download", {"admin"}, _get("/audit/export.csv")),
    "milestones page assigned": Action(
        "milestones.edit", {"admin", "pm"}, _get("/projects/{a}/milestones"), setup=_milestones
    ),
    "milestones save assigned": Action(
        "milestones.edit",
        {"admin", "pm"},
        _form_post("/projects/{a}/milestones"),
        lambda db, ctx: _approved_on(db, ctx["a"]) == date(2023, 2, 1),
        _milestone_form("a"),
    ),
    "milestones save unassigned": Action(
        "milestones.edit",
        {"admin"},
        _form_post("/projects/{b}/milestones"),
        lambda db, ctx: _approved_on(db, ctx["b"]) == date(2023, 2, 1),
        _milestone_form("b"),
    ),
    "finance edit": Action(
        "finance.edit",
        {"admin", "finance"},
        _form_post("/finance/projects/{a}"),
        _year_2024,
        _finance_form,
    ),
    "finance upload page": Action(
        "finance.upload_sheet", {"admin", "finance"}, _get("/finance/upload")
    ),
    "finance upload": Action(
        "finance.upload_sheet",
        {"admin", "finance"},
        _upload("/finance/upload", FINANCE_CSV, "figures.csv"),
        _year_2024,
    ),
    "finance export": Action("finance.download", ALL - {"viewer"}, _get("/finance/export.csv")),
    "alert acknowledge": Action(
        "alerts.acknowledge",
        {"admin", "pm", "leader"},
        _post("/alerts/acknowledge", lambda ctx: {"ids": str(ctx["alert_id"]), "note": "已联系"}),
        _acknowledged,
        _alert,
    ),
    "project brief": Action("briefs.project_pdf", ALL, _get("/projects/{a}/brief.pdf")),
    "portfolio brief": Action("briefs.portfolio_pdf", ALL, _get("/briefs/portfolio.pdf")),
    "map location page assigned": Action(
        MAP_LOCATION,
        {"admin", "pm"},
        lambda c, ctx: c.get(_url_of(c, _present(c, MAP_LOCATION), ctx["a"])),
    ),
    "map location assigned": Action(MAP_LOCATION, {"admin", "pm"}, _location("a"), _located("a")),
    "map location unassigned": Action(MAP_LOCATION, {"admin"}, _location("b"), _located("b")),
    "target edit": Action(
        "targets.edit",
        {"admin"},
        _form_post("/targets/{target}/edit"),
        lambda db, ctx: _target(db, ctx).note == "矩阵修改",
        _target_edit_form,
    ),
    "target create": Action(
        "targets.create",
        {"admin"},
        _form_post("/targets/plans/{plan}/new"),
        lambda db, ctx: (
            db.exec(select(Target).where(Target.indicator == "矩阵新目标")).first() is not None
        ),
        _target_new_form,
    ),
    "target link": Action(
        "targets.link",
        {"admin"},
        _post(
            "/targets/{target}/links",
            lambda ctx: {
                "project_code": ctx["a"],
                "kind": "include",
                "version": str(ctx["target_version"]),
            },
        ),
        lambda db, ctx: (
            db.exec(
                select(TargetLink).where(
                    TargetLink.target_id == ctx["target"], TargetLink.project_id == ctx["A"].id
                )
            ).first()
            is not None
        ),
        _targets,
    ),
}


def _written(db) -> int:
    """Audit entries other than refusals: every change writes one, so this counts changes."""
    db.expire_all()
    query = select(func.count(AuditEntry.id)).where(AuditEntry.action != "refused")
    return db.exec(query).one()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(app, client, auth, db, role, action):
    row = ACTIONS[action]
    names = (row.endpoints,) if isinstance(row.endpoints, str) else row.endpoints
    assert any(name in app.view_functions for name in names), f"no route {' / '.join(names)}"
    a = make_project(db, code="M-A", name="矩阵甲小学")
    b = make_project(db, code="M-B", name="矩阵乙小学")
    ctx = {"a": a.code, "b": b.code, "A": a, "B": b}
    if row.setup is not None:
        row.setup(app, db, ctx)
    auth.login(role, projects=[a] if role == "pm" else [])
    before = _written(db)
    response = row.do(client, ctx)
    status = response.status_code
    writes = response.request.method == "POST"
    assert not writes or row.took_effect is not None, f"{action}: a write must say what it changes"
    if role in allowed_roles(action):
        if writes:
            assert status in (200, 302), (
                role,
                action,
                status,
                re.findall(r"class=\"error\">([^<]+)", response.get_data(as_text=True))
                or response.get_data(as_text=True)[:1500],
            )
            assert row.took_effect(db, ctx), f"{role} may {action} but nothing happened"
        else:
            assert status == 200, (role, action, status)
    else:
        assert status == 403, (role, action, status)
        if response.is_json:
            assert response.get_json()["error"] == "没有权限进行此操作"
        else:
            assert "没有权限进行此操作" in response.get_data(as_text=True)
        assert _written(db) == before, "a refused request changed something"
        if row.took_effect is not None:
            assert not row.took_effect(db, ctx)
        db.expire_all()
        refused = db.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all()
        assert any(r.detail.startswith("无权限：") for r in refused)


def allowed_roles(action: str) -> set[str]:
    return ACTIONS[action].allowed


def _sample_url(rule, code: str) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        values[name] = MISSING_ID if "Integer" in converter else ("csv" if name == "fmt" else code)
    return rule.build(values)[1]


OWN_ACCOUNT = {
    "accounts.login",
    "accounts.logout",
    "accounts.password",
    "accounts.create_token",
    "accounts.revoke_token",
}


def test_every_write_route_refuses_a_viewer(app, client, auth, db):
    """Whatever route any domain adds: a read-only user can change nothing through it."""
    project = make_project(db, code="M-A")
    auth.login("viewer")
    before = _written(db)
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in OWN_ACCOUNT:
            continue
        url = _sample_url(rule, project.code)
        response = client.post(url, data={"csrf_token": client.csrf_token("/")})
        # 404 only where the URL names a record that does not exist (an id we made up).
        expected = {403, 404} if "int" in str(rule) or "<int:" in rule.rule else {403}
        assert response.status_code in expected, (rule.rule, response.status_code)
        checked.append(rule.rule)
    assert _written(db) == before
    assert "/projects/<code>/edit" in checked and "/users/new" in checked


def test_every_route_needs_a_login(app, client, db):
    project = make_project(db, code="M-A")
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"static", "accounts.login", "ops.healthz", "ops.readyz"}:
            continue
        url = _sample_url(rule, project.code)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
            assert response.is_json
        else:
            assert response.status_code in (302, 400), (url, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]


def test_pm_cannot_reach_another_pms_project_by_url_or_form(app, client, auth, db):
    mine = make_project(db, code="M-A")
    theirs = make_project(db, code="M-B", name="别人的学校")
    auth.login("pm", projects=[mine])
    assert client.get(f"/projects/{theirs.code}/edit").status_code == 403
    # The edit form of my own project posted to the other project's URL.
    response = client.post(
        f"/projects/{theirs.code}/edit",
        data=_project_form(theirs, name="偷改") | {"csrf_token": client.csrf_token("/")},
    )
    assert response.status_code == 403
    assert _name(db, theirs.code).name == "别人的学校"
    # A changed project code inside my own form does not move the edit to their project.
    response = client.post(
        f"/projects/{mine.code}/edit",
        data=_project_form(mine, code=theirs.code, name="偷改2")
        | {"csrf_token": client.csrf_token("/")},
    )
    assert _name(db, theirs.code).name == "别人的学校"
    assert re.search("403|302|422", str(response.status_code))


def test_pm_cannot_edit_another_projects_milestone_through_their_own_form(app, client, auth, db):
    """A milestone id of someone else's project smuggled into the PM's own milestone form."""
    from tracker.milestones.models import Milestone
    from tracker.milestones.services import lay_out, schedule_of

    mine = make_project(db, code="M-A")
    theirs = make_project(db, code="M-B")
    with app.app_context():
        lay_out(db, [mine.id, theirs.id], date(2026, 1, 1))
        version = schedule_of(db, mine.id).version
    db.commit()
    target = db.exec(select(Milestone).where(Milestone.project_id == theirs.id)).first()
    before = (target.name, target.planned_on, target.actual_on, target.note)
    auth.login("pm", projects=[mine])
    response = client.post(
        f"/projects/{mine.code}/milestones",
        data={
            "csrf_token": client.csrf_token("/"),
            "version": str(version),
            "rows-0-id": str(target.id),
            "rows-0-position": "1",
            "rows-0-name": "被改的阶段",
            "rows-0-planned": "2026-03-01",
            "rows-0-actual": "2026-03-01",
            "rows-0-status": "已完成",
            "rows-0-note": "偷改",
        },
    )
    assert response.status_code >= 400
    db.expire_all()
    target = db.get(Milestone, target.id)
    assert (target.name, target.planned_on, target.actual_on, target.note) == before
