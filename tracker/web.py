"""Web plumbing shared by every blueprint: error pages, security headers, request ids, template
filters, the context."""

import logging
import secrets
import time
import uuid
from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import money
from tracker.accounts.roles import ROLES
from tracker.accounts.web import current_actor, user_can
from tracker.audit.labels import action_label, entity_label, field_label
from tracker.audit.services import record_now
from tracker.clock import local
from tracker.config import ConfigError

log = logging.getLogger(__name__)
request_log = logging.getLogger("tracker.request")

MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限进行此操作",
    404: "找不到这个页面或项目",
    405: "不支持这种请求方式",
    409: "数据已被他人修改，请刷新后重试",
    413: "上传的文件太大",
    422: "提交的内容有误，请按提示修改",
    429: "操作过于频繁，请稍后再试",
    500: "服务器出错了，请稍后再试；如果一直出错，请把下面的请求编号告诉管理员",
    503: "数据库暂时无法访问，请稍后刷新重试；恢复后系统会自动继续服务",
}
# Refusals written to the audit trail (404s are not: they are mostly typos and scanners).
RECORDED_REFUSALS = {400, 401, 403, 409, 413, 422, 429}


def init_app(app: Flask) -> None:
    if app.config["ENV"] == "production" and app.debug:
        raise ConfigError("debug mode (FLASK_DEBUG) is not allowed when TRACKER_ENV=production")
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.before_request(_request_id)
    app.after_request(_security_headers)
    app.after_request(_record_refusal)
    app.after_request(_log_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.filters.update(
        yi=money.yi,
        wan=money.wan,
        local=_local_time,
        audit_action=action_label,
        audit_field=field_label,
        audit_entity=entity_label,
    )
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.context_processor(lambda: {"user_can": user_can, "roles": ROLES})


def _request_id():
    # Keep an id a proxy already assigned (if it looks sane), so logs can be joined up.
    given = request.headers.get("X-Request-ID", "")
    sane = given.isascii() and given.isalnum() and len(given) <= 40
    g.request_id = given if sane else uuid.uuid4().hex[:12]
    g.started = time.perf_counter()


def _log_request(response):
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    user = g.get("user")
    request_log.info(
        "%s %s %s %s %.0fms user=%s id=%s",
        request.remote_addr,
        request.method,
        request.path,
        response.status_code,
        elapsed,
        user.username if user is not None else "-",
        g.get("request_id", "-"),
    )
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    return response


# --- Content-Security-Policy --------------------------------------------------------------


def csp_nonce() -> str:
    """The nonce for this response's inline <script nonce="{{ csp_nonce() }}"> blocks."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_inline_scripts() -> None:
    """For a page embedding generated HTML with inline scripts (a Folium map): this response
    allows 'unsafe-inline' scripts (browsers ignore it once a nonce is present, so none is sent)."""
    g.csp_inline_scripts = True


def csp_allow(directive: str, *sources: str) -> None:
    """Add sources to one directive of this response's CSP (e.g. csp_allow("frame-ancestors",
    "'self'") for a page shown in the app's own iframe)."""
    g.setdefault("csp_extra", {}).setdefault(directive, []).extend(sources)


def _origin(value: str) -> str:
    """'https://t0.tianditu.gov.cn/x/{z}' or a bare host → an origin usable in a CSP."""
    parts = urlsplit(value if "//" in value else f"https://{value}")
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}" if host else ""


def tile_origins() -> list[str]:
    config = current_app.config
    hosts = list(config.get("MAP_TILE_HOSTS") or []) + list(config.get("CSP_EXTRA_HOSTS") or [])
    if isinstance(config.get("MAP_TILE_URL"), str) and config["MAP_TILE_URL"]:
        hosts.append(config["MAP_TILE_URL"])
    return sorted({o for o in map(_origin, hosts) if o})


def content_security_policy() -> str:
    tiles = tile_origins()
    if g.get("csp_inline_scripts"):
        scripts = ["'self'", "'unsafe-inline'"]
    else:
        scripts = ["'self'", f"'nonce-{csp_nonce()}'"]
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        # Inline style attributes are allowed (progress bars, generated maps); styles cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *tiles],
        "connect-src": ["'self'", *tiles],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for directive, sources in g.get("csp_extra", {}).items():
        current = [s for s in directives.get(directive, ["'self'"]) if s != "'none'"]
        directives[directive] = list(dict.fromkeys(current + sources))
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    framing = g.get("csp_extra", {}).get("frame-ancestors")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN" if framing else "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if g.get("user") is not None and "Cache-Control" not in headers:
        # Bureau data is not public: no shared or back-button caches of signed-in pages.
        headers["Cache-Control"] = "no-store"
    return response


# --- refusals and errors ------------------------------------------------------------------


def _record_refusal(response):
    code = response.status_code
    if code not in RECORDED_REFUSALS or request.endpoint == "static":
        return response
    if code in {401, 422} and request.method == "GET":
        return response  # the login wall for a signed-out visitor, a form shown with its errors
    if g.get("refusal_recorded"):
        return response  # the view recorded it itself (e.g. a failed login)
    try:
        record_now(
            actor=current_actor(),
            action="refused",
            entity="request",
            entity_id=request.path[:80],
            detail=f"{request.method} {request.path[:200]} → {code} {MESSAGES.get(code, '')}"
            + (f"（{g.denied_action}）" if g.get("denied_action") else ""),
        )
    except Exception:  # never let the record of a refusal turn it into a 500
        log.exception("could not record a refused request, request id %s", g.get("request_id"))
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(error: HTTPException):
    code = error.code or 500
    original = getattr(error, "original_exception", None)
    if code == 500 and original is not None and database_unavailable(original):
        # Raised after the view (the request's commit): Flask wraps it in a 500.
        return _unavailable(original)
    message = MESSAGES.get(code, error.name)
    if code == 413:
        message = f"上传的文件太大：上限为 {_size(request.max_content_length or 0)}"
    if code == 400 and "CSRF" in (error.description or ""):
        message = "表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交"
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("error.html", code=code, message=message), code


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"


def database_unavailable(error: Exception) -> bool:
    """The database cannot be reached or is busy (server down or restarting, connection lost,
    pool exhausted, SQLite locked) as opposed to a fault in the app: the answer is 503."""
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    if getattr(error, "connection_invalidated", False):
        return True
    origin = type(getattr(error, "orig", None)).__module__ or ""
    if origin.startswith("psycopg"):
        return True  # psycopg's OperationalError: connection refused, closed, admin shutdown
    message = str(getattr(error, "orig", error)).lower()
    return "database is locked" in message or "unable to open database" in message


def _unavailable(error: Exception):
    request_id = g.get("request_id", "-")
    log.warning(
        "database unavailable, request id %s: %s %s: %s",
        request_id,
        request.method,
        request.path,
        str(getattr(error, "orig", error)).strip()[:200],
    )
    # Nothing below may touch the database again: the page is shown as to a signed-out visitor
    # (reading the signed-in user's attributes could reload them), and the session is dropped.
    g.user = None
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except Exception:  # the connection is gone: nothing left to roll back
            session.invalidate()
    headers = {"Retry-After": "10"}
    if _wants_json():
        return jsonify({"error": MESSAGES[503], "status": 503}), 503, headers
    try:
        page = render_template("error.html", code=503, message=MESSAGES[503], request_id=request_id)
    except Exception:
        page = f"{MESSAGES[503]}\n请求编号：{request_id}\n"
        headers["Content-Type"] = "text/plain; charset=utf-8"
    return page, 503, headers


def _unexpected_error(error: Exception):
    if database_unavailable(error):
        return _unavailable(error)
    request_id = g.get("request_id", "-")
    log.exception("unhandled error, request id %s: %s %s", request_id, request.method, request.path)
    message = MESSAGES[500]
    session = g.get("db_session")
    if session is not None:
        session.rollback()  # a failed flush leaves it unusable, and the error page may query
    if _wants_json():
        return jsonify({"error": message, "request_id": request_id, "status": 500}), 500
    try:
        page = render_template("error.html", code=500, message=message, request_id=request_id)
    except Exception:  # the error page itself failed (e.g. the database is down): plain text
        log.exception("error page failed, request id %s", request_id)
        page = f"{message}\n请求编号：{request_id}\n"
        return page, 500, {"Content-Type": "text/plain; charset=utf-8"}
    return page, 500


def _local_time(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    shown = local(moment)
    return shown.strftime(fmt) if shown else ""


def plan_window() -> tuple[int, int]:
    from flask import current_app

    return current_app.config["PLAN_WINDOW_START"], current_app.config["PLAN_WINDOW_END"]


def class_sizes() -> dict[str, int]:
    from flask import current_app

    return current_app.config["CLASS_SIZES"]


def quality_settings() -> dict:
    from flask import current_app

    return {
        "window": plan_window(),
        "max_land_per_class": current_app.config["QUALITY_MAX_LAND_M2_PER_CLASS"],
        "cost_factor": current_app.config["QUALITY_COST_PER_CLASS_FACTOR"],
    }
