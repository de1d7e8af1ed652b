"""School and kindergarten build-programme tracker: the Flask app factory (it only wires)."""

import logging
import os
from datetime import timedelta
from importlib import import_module

from flask import Flask
from flask_wtf import CSRFProtect

from tracker.config import DEFAULTS, TrackerConfig, load_settings

csrf = CSRFProtect()

# Each domain package exposes init_app(app): blueprints, navigation, panels. Order = nav order.
DOMAINS = [
    "tracker.home",
    "tracker.accounts",
    "tracker.projects",
    "tracker.dataio",
    "tracker.milestones",
    "tracker.alerts",
    "tracker.finance",
    "tracker.maps",
    "tracker.briefs",
    "tracker.targets",
    "tracker.ops",
    "tracker.reports",
]


class TrackerApp(Flask):
    """Flask, with a config that keeps its typed Settings (tracker.config.settings())."""

    config_class = TrackerConfig


def create_app(test_config: dict | None = None) -> Flask:
    app = TrackerApp(
        __name__,
        # The folder of local files (SQLite database, lock, briefs, backups): TRACKER_INSTANCE_PATH
        # on a server (e.g. /var/lib/tracker), else instance/ beside the code.
        instance_path=os.environ.get("TRACKER_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    loaded = load_settings(app.instance_path, test_config)
    app.config.from_mapping(loaded.as_config())
    # Flask's own keys a caller passes (TESTING, WTF_CSRF_ENABLED …) go to its config as they are.
    app.config.from_mapping({k: v for k, v in (test_config or {}).items() if k not in DEFAULTS})
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=loaded.session_idle_minutes)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    register_extensions(app)
    register_domains(app)
    from tracker.cli import register_commands

    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from tracker import audit, db, extend, web
    from tracker.accounts import web as accounts_web

    db.init_app(app)
    csrf.init_app(app)
    extend.init_app(app)
    audit.init_app(app)
    web.init_app(app)
    accounts_web.init_app(app)


def register_domains(app: Flask) -> None:
    for name in DOMAINS:
        import_module(name).init_app(app)
