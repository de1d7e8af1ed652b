"""/healthz and /readyz (no login, no data in the answer), the Chinese 503 page when the database
cannot be reached, and the start-up checks: one line in Chinese and English naming the setting,
never a traceback."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tracker import create_app, migrate
from tracker.clock import now_utc
from tracker.ops import runs, startup

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-only-secret-key-0123456789abcdef"
DEAD_DATABASE = "postgresql+psycopg://tracker:tracker@127.0.0.1:9/nowhere"  # nothing listens


def test_healthz_answers_without_login_and_without_data(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_wants_the_database_the_newest_schema_and_a_live_scheduler(app, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body == {
        "status": "not ready",
        "checks": {"database": "ok", "migrations": "ok", "scheduler": "never seen"},
    }
    engine = app.extensions["engine"]
    runs.beat(engine, now_utc())
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "scheduler": "ok"},
    }
    # A heartbeat older than two periods: the scheduler is gone.
    app.config["SCHEDULER_PERIOD_SECONDS"] = 60
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE scheduler_heartbeat SET seen_at = ?"
            if engine.dialect.name == "sqlite"
            else "UPDATE scheduler_heartbeat SET seen_at = %s",
            (now_utc() - timedelta(seconds=121),),
        )
    assert client.get("/readyz").get_json()["checks"]["scheduler"] == "stale"
    app.config["SCHEDULER_REQUIRED"] = False  # an installation that runs no scheduler
    assert client.get("/readyz").status_code == 200
    # The schema is not the code's newest.
    app.extensions["migration_heads"] = {"0099_from_a_newer_release"}
    assert client.get("/readyz").get_json()["checks"]["migrations"] == "behind"


def test_readyz_and_pages_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": DEAD_DATABASE,
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path)
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unreachable"
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    # A page that needs the database: the Chinese 503 page, with a hint to retry.
    page = client.post("/login", data={"username": "admin", "password": "x"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    text = page.get_data(as_text=True)
    assert "数据库暂时无法访问" in text and "Traceback" not in text and "psycopg" not in text
    api = client.get("/api/projects", headers={"Authorization": "Bearer trk_x"})
    assert api.status_code == 503 and api.get_json()["error"].startswith("数据库暂时无法访问")
    app.extensions["engine"].dispose()


def test_an_app_fault_is_still_a_500_not_a_503(app, client, auth, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from tracker.web import database_unavailable

    assert not database_unavailable(OperationalError("SELECT x", {}, Exception("no such table")))
    assert not database_unavailable(ValueError("bad"))
    locked = OperationalError("UPDATE", {}, Exception("database is locked"))
    assert database_unavailable(locked)


# --- start-up checks -------------------------------------------------------------------


def _startup(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    clean.pop("SECRET_KEY", None)
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "tracker.ops.startup", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(result) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("启动失败：") and "Start-up refused:" in lines[0]
    return lines[0]


@pytest.mark.slow
def test_startup_problems_are_one_line_naming_the_setting(tmp_path):
    db = tmp_path / "tracker.db"
    url = f"sqlite:///{db}"
    production = {"TRACKER_ENV": "production", "TRACKER_INSTANCE_PATH": str(tmp_path)}
    line = _one_line(_startup(production | {"DATABASE_URL": url}))
    assert "SECRET_KEY" in line
    line = _one_line(_startup(production | {"DATABASE_URL": url, "SECRET_KEY": "changeme"}))
    assert "SECRET_KEY" in line
    line = _one_line(_startup(production | {"DATABASE_URL": DEAD_DATABASE, "SECRET_KEY": SECRET}))
    assert "DATABASE_URL" in line and "无法连接数据库" in line
    line = _one_line(_startup(production | {"DATABASE_URL": url, "SECRET_KEY": SECRET}))
    assert "db-upgrade" in line and "数据库结构不是最新" in line
    migrate.upgrade(url)
    ok = _startup(production | {"DATABASE_URL": url, "SECRET_KEY": SECRET})
    assert ok.returncode == 0, ok.stderr
    development = {"DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    assert "TRACKER_ENV" in _one_line(_startup(development))
    assert _startup(development, "--trial").returncode == 0


def test_sqlite_without_wal_is_refused_outside_a_trial(tmp_path):
    app = create_app({"DATABASE_URL": "sqlite:///:memory:", "TESTING": True, "SECRET_KEY": SECRET})
    app.config["ENV"] = "production"
    with pytest.raises(startup.StartupProblem, match="WAL"):
        startup.check_production(app)


def test_readyz_on_a_database_that_was_never_migrated(tmp_path):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "TESTING": True, "SECRET_KEY": SECRET}
    )
    app.instance_path = str(tmp_path)
    body = app.test_client().get("/readyz").get_json()
    assert body["checks"] == {"database": "ok", "migrations": "behind", "scheduler": "unknown"}
    app.extensions["engine"].dispose()
