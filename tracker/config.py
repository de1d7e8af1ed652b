"""Settings: one typed object. Defaults in code (the fields of `Settings`), environment overrides
(TRACKER_<KEY>, JSON for dict/list settings), unsafe values refused. Read them with `settings()`;
Flask's app.config holds the same values under the upper-case keys."""

import json
import os
import secrets
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from flask import Config, Flask, current_app

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

DEFAULT_MILESTONE_TEMPLATE = [
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
]


def _default(value):
    """A default that is a dict or list: every Settings gets its own copy."""
    return field(default_factory=lambda: json.loads(json.dumps(value)))


@dataclass(frozen=True)
class Settings:
    """Every setting, typed, with its default. Environment: TRACKER_<FIELD IN UPPER CASE>."""

    env: str = "development"
    database_url: str = ""  # empty: SQLite file instance/tracker.db
    secret_key: str = ""
    class_sizes: dict = _default(DEFAULT_CLASS_SIZES)
    plan_window_start: int = 2021
    plan_window_end: int = 2025
    page_size: int = 50
    max_content_length: int = 20 * 1024 * 1024
    session_idle_minutes: int = 120
    # Data-quality thresholds (flags only; nothing is changed because of them).
    quality_max_land_m2_per_class: int = 3000
    quality_cost_per_class_factor: float = 1.5
    # Scheduled jobs (Asia/Shanghai); the fields of an APScheduler cron trigger.
    scheduler_timezone: str = "Asia/Shanghai"
    scan_schedule: dict = _default({"hour": 6, "minute": 30})
    brief_schedule: dict = _default({"day_of_week": "mon", "hour": 7, "minute": 0})
    # --- accounts / security
    session_max_hours: int = 12  # a session ends this long after login even when active
    session_cookie_secure: bool = False  # also Secure whenever the request came over HTTPS
    login_lock_after: int = 5  # consecutive failures of one account before it is locked
    login_lock_after_address: int = 20  # ... of one address
    login_lock_seconds: int = 30  # first lock; doubles with every further failure
    login_lock_max_seconds: int = 900
    proxy_count: int = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted
    csp_extra_hosts: list = _default([])  # extra origins for images/connections
    map_tile_hosts: list = _default([])  # extra tile origins a map page may load
    # --- milestones / alerts: the layout template, look-ahead and staleness, the term cut-off
    milestone_template: list = _default(DEFAULT_MILESTONE_TEMPLATE)
    milestone_due_soon_days: int = 30
    milestone_stale_days: int = 90
    term_cutoff_month: int = 8
    term_cutoff_day: int = 31
    term_handover_milestone: str = "交付使用"
    scheduler_lock_file: str = ""  # empty: instance/scheduler.lock
    smtp_host: str = ""  # empty: no mail, alerts live in the app only
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_from: str = "tracker@localhost"
    alert_recipients: dict = _default({})  # responsible unit (建设单位) → list of addresses
    alert_default_recipients: list = _default([])  # for units without their own addresses
    # --- maps: basemap "osm" | "tianditu" (needs MAP_TIANDITU_KEY) | "amap" (GCJ-02) | "none"
    # (blank, for closed networks); tile URL templates may point at an intranet tile server.
    map_basemap: str = "osm"
    map_tianditu_key: str = ""
    map_tiles_osm: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_tiles_tianditu_vec: str = (
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}"
    )
    map_tiles_tianditu_cva: str = (
        "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        "&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}"
    )
    map_tiles_amap: str = (
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
        "&style=8&x={x}&y={y}&z={z}"
    )
    map_center: list = _default([30.00655, 120.6388])  # WGS-84 centre when nothing is located
    map_zoom: int = 11
    # --- finance: completed above planned by more than this percent is a warning
    finance_overrun_warn_percent: int = 10
    # --- briefs (PDF): a TrueType/TTC Chinese font to embed (empty: fonts-wqy-microhei), the folder
    # of the weekly portfolio brief (empty: instance/briefs), the author in the PDF metadata
    pdf_font: str = ""
    brief_output_dir: str = ""
    brief_author: str = "学校建设项目管理"
    # tables in and out (tracker.tabular): the jurisdiction named in every exported table's title;
    # caps checked on every uploaded table before it is parsed (an XLSX from its zip directory)
    jurisdiction_name: str = "绍兴市越城区"
    upload_max_uncompressed_mb: int = 50
    upload_max_compression_ratio: int = 100
    upload_max_rows: int = 100_000
    upload_max_cells: int = 3_000_000
    # --- production (scripts/serve, scheduler guard, health, backups) ---------------------------
    # gunicorn (scripts/serve): address, worker processes, threads per worker, request timeout
    web_bind: str = "127.0.0.1:8000"
    web_workers: int = 4
    web_threads: int = 4
    web_timeout: int = 120
    # SQLite only: how long a writer waits for another one's lock before giving up
    sqlite_busy_timeout_seconds: int = 30
    # Scheduler: a standby checks for the leader's lock this often; the leader records a
    # heartbeat this often, and /readyz wants one younger than two periods.
    scheduler_period_seconds: int = 60
    scheduler_required: bool = True  # /readyz fails when no scheduler has been seen
    # Backups: the scheduled job's folder (empty: instance/backups), schedule and days kept
    backup_dir: str = ""
    backup_schedule: dict = _default({"hour": 2, "minute": 15})
    backup_keep_days: int = 14
    # --- monthly reports (月度调度): due on day N of the next month; the month-close job (snapshot
    # and the 未报送 mail) runs on its own cron fields, by default the day after the due day
    report_due_day: int = 10
    report_job_schedule: dict = _default({"day": 11, "hour": 8, "minute": 0})
    # site photos: stored under this folder (empty: instance/report-photos), checked on upload
    report_photo_dir: str = ""
    report_photo_max_mb: int = 15  # one photo
    report_upload_max_mb: int = 50  # one submission of the report form, photos included
    report_photo_max_pixels: int = 64_000_000  # larger images are refused before decoding
    report_photo_max_count: int = 20  # photos per report version
    report_photo_max_distance_m: int = 3000  # a GPS point farther from the project is flagged
    report_photo_display_px: int = 1600  # long edge of the copy shown on pages
    report_photo_thumb_px: int = 320

    @property
    def plan_window(self) -> tuple[int, int]:
        return self.plan_window_start, self.plan_window_end

    @property
    def quality(self) -> dict:
        """The data-quality checks' arguments."""
        return {
            "window": self.plan_window,
            "max_land_per_class": self.quality_max_land_m2_per_class,
            "cost_factor": self.quality_cost_per_class_factor,
        }

    def section(self, prefix: str) -> dict:
        """The settings whose key starts with `prefix` ("MAP_"), as {KEY: value}."""
        return {k: v for k, v in self.as_config().items() if k.startswith(prefix)}

    def as_config(self) -> dict:
        """The settings under their upper-case keys, as Flask's config holds them."""
        return {f.name.upper(): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_config(cls, config) -> "Settings":
        """From a mapping of upper-case keys (Flask's config); missing keys keep their default."""
        return cls(
            **{f.name: config[f.name.upper()] for f in fields(cls) if f.name.upper() in config}
        )


def _defaults() -> dict[str, object]:
    return {
        f.name.upper(): f.default if f.default is not MISSING else f.default_factory()
        for f in fields(Settings)
    }


DEFAULTS: dict[str, object] = _defaults()

# Environment variables read without the TRACKER_ prefix, as deployers expect them.
PLAIN_ENV = {"DATABASE_URL", "SECRET_KEY"}


class ConfigError(RuntimeError):
    """A setting that makes it unsafe or impossible to start."""


class TrackerConfig(Config):
    """Flask's config, which also remembers the typed Settings built from it; any change to a key
    (tests and extensions still write them) makes `settings()` build them afresh."""

    def _changed(self) -> None:
        self.__dict__.pop("_settings", None)

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key):
        super().__delitem__(key)
        self._changed()

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key, default=None):
        value = super().setdefault(key, default)
        self._changed()
        return value

    def pop(self, *args):
        value = super().pop(*args)
        self._changed()
        return value


def settings(app: Flask | None = None) -> Settings:
    """The settings of the current app (or `app`): the one way code reads a setting."""
    config = (app or current_app).config
    cached = config.__dict__.get("_settings")
    if cached is None:
        cached = Settings.from_config(config)
        if isinstance(config, TrackerConfig):
            config.__dict__["_settings"] = cached
    return cached


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


def load_settings(instance_path: str, overrides: dict | None = None) -> Settings:
    """Defaults, then environment (TRACKER_<KEY>, or the plain name for PLAIN_ENV), then the
    overrides' setting keys (others, such as TESTING, are Flask's and stay in its config)."""
    values = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        names = [f"TRACKER_{key}"] + ([key] if key in PLAIN_ENV else [])
        for name in names:
            if os.environ.get(name) not in (None, ""):
                values[key] = _coerce(os.environ[name], default)
    values.update({k: v for k, v in (overrides or {}).items() if k in DEFAULTS})
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'tracker.db'}"
    values["SECRET_KEY"] = _secret_key(values, instance_path)
    return Settings.from_config(values)


MIN_SECRET_LENGTH = 32


def _is_placeholder(key: str) -> bool:
    text = key.strip().lower()
    return text in PLACEHOLDER_SECRETS or any(word in text for word in PLACEHOLDER_WORDS)


def _secret_key(values: dict, instance_path: str) -> str:
    key = str(values.get("SECRET_KEY") or "")
    if values["ENV"] != "development":
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
