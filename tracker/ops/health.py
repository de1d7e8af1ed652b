"""GET /healthz (the process answers) and GET /readyz (database reachable, schema at the newest
migration, scheduler seen within its period), for the reverse proxy and monitoring. No login;
the answers name the checks and nothing else (no data, no versions, no host names)."""

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from tracker import migrate
from tracker.clock import now_utc
from tracker.ops import runs

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    return _answer({"status": "ok"}, 200)


@bp.route("/readyz")
def readyz():
    checks = readiness(current_app)
    ready = all(value == "ok" for value in checks.values())
    return _answer(
        {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
    )


def _answer(body: dict, code: int):
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


def head_revisions(database_url: str) -> set[str]:
    cached = current_app.extensions.get("migration_heads")
    if cached is None:
        script = ScriptDirectory.from_config(migrate.alembic_config(database_url))
        cached = current_app.extensions["migration_heads"] = set(script.get_heads())
    return cached


def readiness(app) -> dict[str, str]:
    """Each check → "ok" or a short reason word ("unreachable", "behind", "stale", …)."""
    checks = {"database": "ok", "migrations": "ok", "scheduler": "ok"}
    engine = app.extensions["engine"]
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                current = set(
                    conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                )
            except Exception:  # not migrated at all
                current = set()
    except Exception:
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
        checks["scheduler"] = "unknown"
        return checks
    if current != head_revisions(app.config["DATABASE_URL"]):
        checks["migrations"] = "behind"
        checks["scheduler"] = "unknown"
        return checks
    if app.config.get("SCHEDULER_REQUIRED", True):
        try:
            beat = runs.last_beat(engine)
        except Exception:
            beat = None
        if not runs.is_fresh(beat, app.config["SCHEDULER_PERIOD_SECONDS"], now_utc()):
            checks["scheduler"] = "stale" if beat is not None else "never seen"
    return checks
