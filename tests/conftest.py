"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL says so),
the app with CSRF on, a client that posts forms the way a browser does, and a login helper."""

import os
import re
import shutil
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from sqlalchemy import make_url, text
from sqlmodel import Session, SQLModel
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

import tracker.models  # noqa: F401
from tracker import clock, create_app, migrate
from tracker.accounts.services import assign, create_user
from tracker.audit.services import Actor
from tracker.dataio.services import import_file
from tracker.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
SEED_CSV = ROOT / "data" / "projects.csv"
# Verbatim copies of the source documents the tests read: nothing outside the repository is needed.
REGISTRY_DATA = ROOT / "tests" / "registry_data"
TEST_ACTOR = Actor(None, "测试")
PASSWORD = "correct-horse-battery"
CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


MEMORY_DISK = Path("/dev/shm")  # tmpfs on Linux: SQLite commits without waiting for a real disk


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    folder = None
    if not url:
        if MEMORY_DISK.is_dir() and os.access(MEMORY_DISK, os.W_OK):
            folder = Path(tempfile.mkdtemp(prefix="tracker-tests-", dir=MEMORY_DISK))
        url = f"sqlite:///{(folder or tmp_path_factory.mktemp('db')) / 'test.db'}"
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        engine.dispose()
    migrate.upgrade(url)
    yield url
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


class ScratchDatabases:
    """Empty databases of the suite's kind besides the shared test database: SQLite files in
    `folder`, or on PostgreSQL fresh schemas of the test database (dropped by `drop_all`)."""

    def __init__(self, database_url: str, folder: Path):
        self.database_url, self.folder, self.schemas = database_url, folder, []

    def make(self, name: str) -> str:
        if not self.database_url.startswith("postgresql"):
            return f"sqlite:///{self.folder / name}.db"
        schema = re.sub(r"\W", "_", f"scratch_{name}")[:63].lower()
        engine = make_engine(self.database_url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        engine.dispose()
        self.schemas.append(schema)
        url = make_url(self.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.schemas:
            engine = make_engine(self.database_url)
            with engine.begin() as conn:
                for schema in self.schemas:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """Factory of empty databases for tests that build their own schema (see ScratchDatabases)."""
    scratch = ScratchDatabases(database_url, tmp_path)
    yield scratch.make
    scratch.drop_all()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _empty_tables(engine) -> None:
    """Children first, then parents; on PostgreSQL the id sequences start again at 1 (DELETE and
    ALTER SEQUENCE … RESTART take a tenth of the time TRUNCATE takes on these small tables)."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        if engine.dialect.name == "postgresql":
            sequences = conn.execute(
                text(
                    "SELECT sequence_name FROM information_schema.sequences"
                    " WHERE sequence_schema = current_schema()"
                )
            ).scalars()
            for sequence in list(sequences):
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


class TemplateCodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the whole session: every test makes a new app, and each new app
    would otherwise parse and compile every template it renders again (checked against the source,
    so an edited template is compiled afresh)."""

    def __init__(self):
        self.store = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = TemplateCodeCache()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Real scrypt, with a small work factor: a login per test at the production cost (n=32768)
    took about half of the suite's time. The production setting is checked by
    test_production_password_hashing_keeps_its_work_factor."""
    import tracker.accounts.services as accounts

    production = accounts.hash_password
    patch = pytest.MonkeyPatch()
    patch.setattr(
        accounts,
        "hash_password",
        lambda password: generate_password_hash(password, method="scrypt:1024:8:1"),
    )
    yield production
    patch.undo()


def make_test_app(database_url: str, engine=None, **config):
    """The app as the tests use it (CSRF on). With `engine`, the app uses that engine instead of its
    own, so SQLAlchemy's statement cache and pooled connections carry over between tests."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-only-secret-key-0123456789abcdef",
            "WTF_CSRF_ENABLED": True,
        }
        | config
    )
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    if engine is not None:
        app.extensions["engine"].dispose()
        app.extensions["engine"] = engine
    return app


@pytest.fixture
def app(database_url, engine, tmp_path):
    _empty_tables(engine)
    app = make_test_app(database_url, engine)
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def db(app):
    """A session for arranging and checking data directly (commit to make it visible to requests)."""
    with Session(app.extensions["engine"], expire_on_commit=False) as session:
        yield session


class SeedSnapshot:
    """The rows the seed import wrote into an empty database, kept for the session: later tests get
    the same rows copied back in (milliseconds) instead of a new import (parsing, layout, audit).
    One snapshot per combination of settings and `today` (the import depends on both); when the
    database is not empty the seed is imported for real."""

    taken: dict[tuple, "SeedSnapshot"] = {}

    def __init__(self, rows: dict[str, list[dict]], outcome):
        self.rows, self.outcome = rows, outcome

    @staticmethod
    def key_for(app) -> tuple:
        return (clock.today(), tuple(sorted((k, repr(v)) for k, v in app.config.items())))

    @classmethod
    def capture(cls, engine, key, outcome) -> None:
        with engine.connect() as conn:
            rows = {
                t.name: [dict(r._mapping) for r in conn.execute(t.select())]
                for t in SQLModel.metadata.sorted_tables
            }
        cls.taken[key] = cls(rows, outcome)

    def restore(self, engine) -> None:
        with engine.begin() as conn:
            for table in SQLModel.metadata.sorted_tables:
                rows = self.rows[table.name]
                if not rows:
                    continue
                conn.execute(table.insert(), rows)
                if engine.dialect.name == "postgresql" and "id" in table.c:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT MAX(id) FROM {table.name}))"
                        )
                    )


def _is_empty(engine) -> bool:
    with engine.connect() as conn:
        return not any(
            conn.execute(t.select().limit(1)).first() for t in SQLModel.metadata.sorted_tables
        )


@pytest.fixture
def seeded(app, db):
    """The seed portfolio (data/projects.csv, 35 projects) imported as an administrator would."""
    engine = app.extensions["engine"]
    key = SeedSnapshot.key_for(app)
    empty = _is_empty(engine)
    snapshot = SeedSnapshot.taken.get(key) if empty else None
    if snapshot is not None:
        snapshot.restore(engine)
        return snapshot.outcome
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
    if empty:
        SeedSnapshot.capture(engine, key, outcome)
    return outcome


class _Forms(HTMLParser):
    """Collects each <form>'s fields as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = self._option = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "id": a.get("id"), "fields": []})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        kind = (a.get("type") or "text").lower()
        if (
            tag == "input"
            and a.get("name")
            and kind not in {"submit", "button", "image", "reset", "file"}
        ):
            if kind not in {"checkbox", "radio"} or "checked" in a:
                fields.append(
                    (a["name"], a.get("value") or ("on" if kind in {"checkbox", "radio"} else ""))
                )
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select["options"].append(self._option)
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.forms[-1]["fields"].append((name, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            options = [
                (v if v is not None else t.strip(), chosen)
                for v, chosen, t in self._select["options"]
            ]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self._select["multiple"]:
                chosen = [options[0][0]]  # a browser sends the first option
            self.forms[-1]["fields"].extend((self._select["name"], v) for v in chosen)
            self._select = None


def form_fields(html: str, *, containing: str = "csrf_token", action: str | None = None) -> dict:
    """The fields of the first form on the page that has a field named `containing` (and, if given,
    whose action ends with `action`), as a browser submits them: unchecked boxes left out, each
    select's chosen option (else its first). Repeated names become lists. No csrf_token: the client
    that posts adds its own."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        names = [name for name, _ in form["fields"]]
        if containing in names and (action is None or form["action"].endswith(action)):
            data: dict = {}
            for name, value in form["fields"]:
                if name in data:
                    data[name] = [
                        *([data[name]] if isinstance(data[name], str) else data[name]),
                        value,
                    ]
                else:
                    data[name] = value
            data.pop("csrf_token", None)
            return data
    raise AssertionError(f"no form with a field {containing!r} on the page")


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
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default).
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

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


# --- one database, app and live server per module (browser tests that only read) -------------
#
# A module that asks for module_app gets a database of its own (migrated once), so it shares
# nothing with the function-scoped `app` fixture that other tests of the same module may use.
# Its tests must not depend on each other's writes: use them only where every test only reads
# (settings changed with monkeypatch.setitem(module_app.config, ...) are put back after each test).


@pytest.fixture(scope="module")
def module_app(database_url, request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("module")
    scratch = ScratchDatabases(database_url, folder)
    url = scratch.make(f"module_{request.module.__name__.rsplit('.', 1)[-1]}")
    migrate.upgrade(url)
    engine = make_engine(url)
    app = make_test_app(url, engine)
    app.instance_path = str(folder / "instance")
    yield app
    engine.dispose()
    scratch.drop_all()


@pytest.fixture(scope="module")
def module_db(module_app):
    with Session(module_app.extensions["engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="module")
def module_seeded(module_app, module_db):
    with module_app.app_context():
        outcome = import_file(
            module_db,
            actor=TEST_ACTOR,
            data=SEED_CSV.read_bytes(),
            filename="projects.csv",
            window=(2021, 2025),
            dry_run=False,
        )
    assert outcome.ok, outcome.errors
    module_db.commit()
    return outcome


@pytest.fixture(scope="module")
def module_live_server(module_app):
    with LiveServer(module_app) as server:
        yield server


@pytest.fixture(scope="module")
def _module_sessions(browser, module_app, module_db, module_live_server):
    """One signed-in browser context per role for the module (logged in once, through the form)."""
    contexts = {}

    def signed_in(role):
        if role not in contexts:
            user = AuthActions(None, module_db).make_user(role, username=f"module-{role}")
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(f"{module_live_server.url}/login")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{module_live_server.url}/")
            page.close()
            contexts[role] = context
        return contexts[role]

    yield signed_in
    for context in contexts.values():
        context.close()


@pytest.fixture
def module_browser_login(_module_sessions):
    """Like browser_login, for module_app: a new page in the role's signed-in context."""
    pages = []

    def login(browser, role="admin"):
        page = _module_sessions(role).new_page()
        pages.append(page)
        return page

    yield login
    for page in pages:
        page.close()


ARTIFACTS = ROOT / "test-artifacts"
