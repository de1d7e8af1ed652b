"""The permission matrix: each role × each kind of action, through the real routes with CSRF on.
Allowed actions get through (and take effect, for the registry's own actions); denied ones get a
403 (Chinese page, or JSON under /api/), are recorded, and change nothing. Routes another domain
has not built yet are skipped."""

import io
import re
from datetime import date

import pytest
from conftest import make_project, project_form
from sqlmodel import func, select

from tracker.accounts.models import User
from tracker.audit.models import AuditEntry
from tracker.projects.models import Project

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


# name → (endpoint that must exist, roles allowed, how to do it, how to check it took effect)
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


def _import(c, ctx):
    return c.post(
        "/projects/import",
        data={"csrf_token": c.csrf_token("/"), "file": (io.BytesIO(IMPORT_CSV), "m.csv")},
        content_type="multipart/form-data",
    )


def _name(db, code):
    db.expire_all()
    return db.exec(select(Project).where(Project.code == code)).one()


ACTIONS = {
    "view project list": ("projects.index", ALL, _get("/projects"), None),
    "view project page": ("projects.detail", ALL, _get("/projects/{a}"), None),
    "API project list": ("projects_api.projects", ALL, _get("/api/projects"), None),
    "API one project": ("projects_api.project", ALL, _get("/api/projects/{a}"), None),
    "create project": (
        "projects.create",
        {"admin"},
        _post("/projects/new", lambda ctx: _project_form(ctx["A"], code="NEW-1", name="新学校")),
        lambda db, ctx: db.exec(select(Project).where(Project.code == "NEW-1")).first() is not None,
    ),
    "edit assigned project": (
        "projects.edit",
        {"admin", "pm"},
        _post("/projects/{a}/edit", lambda ctx: _project_form(ctx["A"], name="改名甲")),
        lambda db, ctx: _name(db, ctx["a"]).name == "改名甲",
    ),
    "edit unassigned project": (
        "projects.edit",
        {"admin"},
        _post("/projects/{b}/edit", lambda ctx: _project_form(ctx["B"], name="改名乙")),
        lambda db, ctx: _name(db, ctx["b"]).name == "改名乙",
    ),
    "archive project": (
        "projects.archive",
        {"admin"},
        _post("/projects/{a}/archive"),
        lambda db, ctx: _name(db, ctx["a"]).archived,
    ),
    "import upload": (
        "dataio.upload",
        {"admin"},
        _import,
        lambda db, ctx: (
            db.exec(select(Project).where(Project.name == "矩阵测试小学")).first() is not None
        ),
    ),
    "export projects": ("dataio.download", ALL - {"viewer"}, _get("/projects/export.csv"), None),
    "users page": ("users.index", {"admin"}, _get("/users"), None),
    "create user": (
        "users.create",
        {"admin"},
        _post("/users/new", {"username": "matrix.new", "role": "viewer"}),
        lambda db, ctx: (
            db.exec(select(User).where(User.username == "matrix.new")).first() is not None
        ),
    ),
    "audit page": ("audit.index", {"admin"}, _get("/audit"), None),
    "audit export": ("audit.download", {"admin"}, _get("/audit/export.csv"), None),
    # --- other domains' routes (skipped until they exist) ---
    "milestones edit assigned": (
        "milestones.edit",
        {"admin", "pm"},
        _get("/projects/{a}/milestones"),
        None,
    ),
    "milestones save unassigned": (
        "milestones.edit",
        {"admin"},
        _post("/projects/{b}/milestones"),
        None,
    ),
    "finance edit": ("finance.edit", {"admin", "finance"}, _post("/finance/projects/{a}"), None),
    "finance upload": ("finance.upload_sheet", {"admin", "finance"}, _get("/finance/upload"), None),
    "finance export": ("finance.download", ALL - {"viewer"}, _get("/finance/export.csv"), None),
    "alert acknowledge": (
        "alerts.acknowledge",
        {"admin", "pm", "leader"},
        lambda c, ctx: _post(
            _url_of(c, "alerts.acknowledge", ctx["a"]), {"ids": str(MISSING_ID), "note": "已联系"}
        )(c, ctx),
        None,
    ),
    "project brief": ("briefs.project_pdf", ALL, _get("/projects/{a}/brief.pdf"), None),
    "portfolio brief": ("briefs.portfolio_pdf", ALL, _get("/briefs/portfolio.pdf"), None),
    "map location assigned": (
        MAP_LOCATION,
        {"admin", "pm"},
        lambda c, ctx: c.get(_url_of(c, _present(c, MAP_LOCATION), ctx["a"])),
        None,
    ),
    "map location unassigned": (
        MAP_LOCATION,
        {"admin"},
        lambda c, ctx: _post(_url_of(c, _present(c, MAP_LOCATION), ctx["b"]))(c, ctx),
        None,
    ),
    "target edit": ("targets.edit", {"admin"}, _post(f"/targets/{MISSING_ID}/edit"), None),
    "target create": ("targets.create", {"admin"}, _post(f"/targets/plans/{MISSING_ID}/new"), None),
    "target link": ("targets.link", {"admin"}, _post(f"/targets/{MISSING_ID}/links"), None),
}


def _written(db) -> int:
    """Audit entries other than refusals: every change writes one, so this counts changes."""
    db.expire_all()
    query = select(func.count(AuditEntry.id)).where(AuditEntry.action != "refused")
    return db.exec(query).one()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(app, client, auth, db, role, action):
    endpoints, allowed, do, took_effect = ACTIONS[action]
    names = (endpoints,) if isinstance(endpoints, str) else endpoints
    if not any(name in app.view_functions for name in names):
        pytest.skip(f"{' / '.join(names)} is not built yet")
    a = make_project(db, code="M-A", name="矩阵甲小学")
    b = make_project(db, code="M-B", name="矩阵乙小学")
    auth.login(role, projects=[a] if role == "pm" else [])
    ctx = {"a": a.code, "b": b.code, "A": a, "B": b}
    before = _written(db)
    response = do(client, ctx)
    status = response.status_code
    if role in allowed:
        assert status not in (401, 403) and status < 500, (role, action, status)
        if took_effect is not None:
            assert status in (200, 302), response.get_data(as_text=True)[:1500]
            assert took_effect(db, ctx), f"{role} may {action} but nothing happened"
    else:
        assert status == 403, (role, action, status)
        if response.is_json:
            assert response.get_json()["error"] == "没有权限进行此操作"
        else:
            assert "没有权限进行此操作" in response.get_data(as_text=True)
        assert _written(db) == before, "a refused request changed something"
        if took_effect is not None:
            assert not took_effect(db, ctx)
        db.expire_all()
        refused = db.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all()
        assert any("→ 403" in r.detail for r in refused)


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
    if "milestones.edit" not in app.view_functions:
        pytest.skip("milestones are not built yet")
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
