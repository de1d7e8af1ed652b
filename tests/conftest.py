"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL says so),
the app with CSRF on, a client that posts forms the way a browser does, and a login helper."""

import os
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel
from werkzeug.serving import make_server

import tracker.models  # noqa: F401
from tracker import create_app, migrate
from tracker.accounts.services import assign, create_user
from tracker.audit.services import Actor
from tracker.dataio.services import import_file
from tracker.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
SEED_CSV = ROOT / "data" / "projects.csv"
SHARED = ROOT.parent / "shared"
TEST_ACTOR = Actor(None, "测试")
PASSWORD = "correct-horse-battery"
CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = (
        os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        engine.dispose()
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _empty_tables(engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(database_url, engine, tmp_path):
    _empty_tables(engine)
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
            "WTF_CSRF_ENABLED": True,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def db(app):
    """A session for arranging and checking data directly (commit to make it visible to requests)."""
    with Session(app.extensions["engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def seeded(app, db):
    with app.app_context():
        outcome = import_file(
            db,
            actor=TEST_ACTOR,
            data=SEED_CSV.read_bytes(),
            filename="projects.csv",
            window=(2021, 2025),
            dry_run=False,
        )
    assert outcome.ok, outcome.errors
    db.commit()
    return outcome


class FormClient:
    """Wraps the test client: post_form() first loads the page to read its CSRF token, as a browser would."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def csrf_token(self, page_url: str) -> str:
        html = self.client.get(page_url).get_data(as_text=True)
        match = CSRF_FIELD.search(html)
        assert match, f"no CSRF token on {page_url}"
        return match.group(1) or match.group(2)

    def post_form(self, url: str, data: dict, *, page_url: str | None = None, **kwargs):
        data = {"csrf_token": self.csrf_token(page_url or url), **data}
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def client(app):
    return FormClient(app.test_client())


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Create a user of a role and sign in through the real login form (CSRF on)."""

    def __init__(self, client, db):
        self.client, self.db = client, db

    def make_user(self, role: str, username: str | None = None, projects=()):
        user = create_user(
            self.db,
            actor=TEST_ACTOR,
            username=username or f"{role}-user",
            password=PASSWORD,
            role=role,
        )
        for project in projects:
            assign(self.db, actor=TEST_ACTOR, user=user, project_id=project.id)
        self.db.commit()
        return user

    def login(self, role: str = "admin", username: str | None = None, projects=()):
        user = self.make_user(role, username, projects)
        response = self.client.post_form(
            "/login", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    def logout(self):
        return self.client.post_form("/logout", {}, page_url="/")


@pytest.fixture
def auth(client, db):
    return AuthActions(client, db)


def make_project(session, **overrides):
    """A plausible project; override any field."""
    from tracker.projects.models import Project

    number = overrides.pop("number", None) or (
        session.exec(text("SELECT COUNT(*) FROM project")).one()[0] + 1
    )
    values = {
        "code": f"T-{number:04d}",
        "name": f"测试小学{number}",
        "stage": "小学",
        "period_text": "2023-2025",
        "start_year": 2023,
        "end_year": 2025,
        "subdistrict": "灵芝街道",
        "classes_total": 24,
        "classes_added": 24,
        "total_investment_fen": 150_000_000_00,
        "window_investment_fen": 150_000_000_00,
        "total_investment_text": "1.5",
        "window_investment_text": "1.5",
        "builder": "镜湖开发办",
        "lat": 30.03,
        "lon": 120.57,
        "location_precision": "subdistrict",
    } | overrides
    project = Project(**values)
    session.add(project)
    session.commit()
    return project


def project_form(project, **changes) -> dict:
    """Every field of the project edit form as a browser posts it, for `project`, with changes."""
    data = {
        "code": project.code,
        "name": project.name,
        "stage": project.stage,
        "nature": "新建",
        "ownership": "公办",
        "status": project.status,
        "period_text": project.period_text,
        "subdistrict": project.subdistrict,
        "classes_total": "24",
        "classes_added": "24",
        "amount_unit": "亿元",
        "total_investment": "1.5",
        "window_investment": "1.5",
        "builder": project.builder,
        "is_government": "y",
        "location_precision": "subdistrict",
        "lat": "30.03",
        "lon": "120.57",
        "version": str(project.version),
        # A browser sends every field, empty or not.
        "site_text": "",
        "content_text": "",
        "sections_text": "",
        "location_source": "",
        "remarks": "",
        "province": "",
        "city": "",
        "district": "",
    }
    return data | changes


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing in CI is a failure, elsewhere a skip."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run must install it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_login(live_server, db):
    """Log a role into a fresh browser page through the login form; returns the page."""
    pages = []

    def login(browser, role="admin", projects=()):
        auth = AuthActions(None, db)
        user = auth.make_user(role, projects=projects)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        pages.append(page)
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield login
    for page in pages:
        page.close()


ARTIFACTS = ROOT / "test-artifacts"
