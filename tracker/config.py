"""Settings: defaults in code, environment overrides, unsafe values refused."""

import json
import os
import secrets
from pathlib import Path

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "placeholder"}
# Any key containing one of these reads like an example value copied from documentation.
PLACEHOLDER_WORDS = ("changeme", "change-me", "change_me", "placeholder", "your-secret", "example")

# National norms per class (DOMAIN.md); a jurisdiction may override them with TRACKER_CLASS_SIZES.
DEFAULT_CLASS_SIZES = {
    "幼儿园": 30,
    "小学": 45,
    "初中": 50,
    "九年一贯制": 45,
    "完全中学": 50,
    "普通高中": 50,
    "中职": 45,
    "特殊教育学校": 12,
    "其他": 0,
}

DEFAULTS: dict[str, object] = {
    "ENV": "development",
    "DATABASE_URL": "",  # empty: SQLite file instance/tracker.db
    "SECRET_KEY": "",
    "CLASS_SIZES": DEFAULT_CLASS_SIZES,
    "PLAN_WINDOW_START": 2021,
    "PLAN_WINDOW_END": 2025,
    "PAGE_SIZE": 50,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "SESSION_IDLE_MINUTES": 120,
    # Data-quality thresholds (flags only; nothing is changed because of them).
    "QUALITY_MAX_LAND_M2_PER_CLASS": 3000,
    "QUALITY_COST_PER_CLASS_FACTOR": 1.5,
    # Scheduled jobs (Asia/Shanghai); the fields of an APScheduler cron trigger.
    "SCHEDULER_TIMEZONE": "Asia/Shanghai",
    "SCAN_SCHEDULE": {"hour": 6, "minute": 30},
    "BRIEF_SCHEDULE": {"day_of_week": "mon", "hour": 7, "minute": 0},
    # --- domain settings below: each domain adds its own keys in its own block ---
    # accounts / security
    "SESSION_MAX_HOURS": 12,  # a session ends this long after login even when active
    "SESSION_COOKIE_SECURE": False,  # also Secure whenever the request itself came over HTTPS
    "LOGIN_LOCK_AFTER": 5,  # consecutive failures of one account before it is locked
    "LOGIN_LOCK_AFTER_ADDRESS": 20,  # ... of one address
    "LOGIN_LOCK_SECONDS": 30,  # first lock; doubles with every further failure
    "LOGIN_LOCK_MAX_SECONDS": 900,
    "PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-* headers are trusted
    "CSP_EXTRA_HOSTS": [],  # extra origins for images/connections (map tiles use MAP_TILE_HOSTS)
    # milestones / alerts: the layout template, look-ahead and staleness, the term-start cut-off
    "MILESTONE_TEMPLATE": [
        ["立项批复", "span:0.03"],
        ["可研批复", "span:0.10"],
        ["初步设计及概算批复", "span:0.18"],
        ["施工招标", "span:0.25"],
        ["施工许可", "span:0.30"],
        ["开工", "span:0.33"],
        ["主体结顶", "span:0.65"],
        ["竣工验收", "span:0.95"],
        ["交付使用", "span:1.0"],
        ["开学招生", "end:09-01"],
    ],
    "MILESTONE_DUE_SOON_DAYS": 30,
    "MILESTONE_STALE_DAYS": 90,
    "TERM_CUTOFF_MONTH": 8,
    "TERM_CUTOFF_DAY": 31,
    "TERM_HANDOVER_MILESTONE": "交付使用",
    "SCHEDULER_LOCK_FILE": "",  # empty: instance/scheduler.lock
    "SMTP_HOST": "",  # empty: no mail, alerts live in the app only
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "SMTP_FROM": "tracker@localhost",
    "ALERT_RECIPIENTS": {},  # responsible unit (建设单位) → list of addresses
    "ALERT_DEFAULT_RECIPIENTS": [],  # for units without their own addresses
    # maps: basemap "osm" | "tianditu" (needs MAP_TIANDITU_KEY) | "amap" (GCJ-02) | "none" (blank,
    # for closed networks); tile URL templates may point at an intranet tile server instead.
    "MAP_BASEMAP": "osm",
    "MAP_TIANDITU_KEY": "",
    "MAP_TILES_OSM": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "MAP_TILES_TIANDITU_VEC": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
    "MAP_TILES_TIANDITU_CVA": "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
    "MAP_TILES_AMAP": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
    "&style=8&x={x}&y={y}&z={z}",
    "MAP_CENTER": [30.00655, 120.6388],  # WGS-84 centre when nothing is located (越城区)
    "MAP_ZOOM": 11,
    # finance: completed above planned by more than this percent is a warning on upload/entry
    "FINANCE_OVERRUN_WARN_PERCENT": 10,
    # briefs (PDF): a TrueType/TTC Chinese font to embed (empty: fonts-wqy-microhei), the folder of
    # the weekly portfolio brief (empty: instance/briefs) and the author in the PDF metadata
    "PDF_FONT": "",
    "BRIEF_OUTPUT_DIR": "",
    "BRIEF_AUTHOR": "学校建设项目管理",
    # --- production (issue 16: scripts/serve, scheduler guard, health, backups) -------------
    # gunicorn (scripts/serve): address, worker processes, threads per worker, request timeout
    "WEB_BIND": "127.0.0.1:8000",
    "WEB_WORKERS": 4,
    "WEB_THREADS": 4,
    "WEB_TIMEOUT": 120,
    # SQLite only: how long a writer waits for another one's lock before giving up
    "SQLITE_BUSY_TIMEOUT_SECONDS": 30,
    # Scheduler: a standby checks for the leader's lock this often; the leader records a
    # heartbeat this often, and /readyz wants one younger than two periods.
    "SCHEDULER_PERIOD_SECONDS": 60,
    "SCHEDULER_REQUIRED": True,  # /readyz fails when no scheduler has been seen
    # Backups: the scheduled job's folder (empty: instance/backups), schedule and days kept
    "BACKUP_DIR": "",
    "BACKUP_SCHEDULE": {"hour": 2, "minute": 15},
    "BACKUP_KEEP_DAYS": 14,
}

# Environment variables read without the TRACKER_ prefix, as deployers expect them.
PLAIN_ENV = {"DATABASE_URL", "SECRET_KEY"}


class ConfigError(RuntimeError):
    """A setting that makes it unsafe or impossible to start."""


def _coerce(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, dict | list):
        return json.loads(raw)
    return raw


def load_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """Defaults, then environment (TRACKER_<KEY>, or the plain name for PLAIN_ENV), then overrides."""
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        names = [f"TRACKER_{key}"] + ([key] if key in PLAIN_ENV else [])
        for name in names:
            if os.environ.get(name) not in (None, ""):
                settings[key] = _coerce(os.environ[name], default)
    settings.update(overrides or {})
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'tracker.db'}"
    settings["SECRET_KEY"] = _secret_key(settings, instance_path)
    return settings


MIN_SECRET_LENGTH = 32


def _is_placeholder(key: str) -> bool:
    text = key.strip().lower()
    return text in PLACEHOLDER_SECRETS or any(word in text for word in PLACEHOLDER_WORDS)


def _secret_key(settings: dict, instance_path: str) -> str:
    key = str(settings.get("SECRET_KEY") or "")
    if settings["ENV"] != "development":
        # Testing and production alike: a real, long, non-placeholder key or no start at all.
        if _is_placeholder(key) or len(key.strip()) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} "
                "characters outside development (e.g. python -c 'import secrets; "
                "print(secrets.token_hex(32))')"
            )
        return key
    if key.strip().lower() not in PLACEHOLDER_SECRETS:
        return key
    # Development: one random key kept under instance/ so sessions survive restarts.
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
