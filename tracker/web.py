"""Web plumbing shared by every blueprint: error pages, security headers, request ids, template
filters, the context."""

import logging
import secrets
import time
import uuid
from urllib.parse import urlsplit

from flask import Flask, abort, g, jsonify, render_template, request, url_for
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import money
from tracker.accounts.roles import ACTION_LABELS, ROLES
from tracker.accounts.web import current_actor, user_can
from tracker.audit import Conflict, record_now
from tracker.clock import local
from tracker.config import ConfigError, settings
from tracker.db import get_session

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
# Where a refused request was, in words, by blueprint (the record itself when the URL names one).
PAGE_NAMES = {
    "home": "首页",
    "projects": "项目",
    "dataio": "项目导入导出",
    "milestones": "里程碑",
    "alerts": "预警",
    "finance": "投资",
    "maps": "地图",
    "briefs": "简报",
    "targets": "规划目标",
    "users": "用户管理",
    "accounts": "我的账号",
    "audit": "操作日志",
}
REFUSALS = {
    400: "请求有误，未被接受",
    401: "未登录或登录已失效",
    403: "无权限",
    409: "保存被拒绝：内容已被他人修改",
    413: "上传的文件太大，未被接受",
    422: "提交的内容有误，未保存",
    429: "操作过于频繁，已暂时拒绝",
}
# Form fields never shown back on the conflict page.
UNSHOWN_FIELDS = {"CSRFTokenField", "HiddenField", "PasswordField", "SubmitField", "FileField"}


def init_app(app: Flask) -> None:
    configured = settings(app)
    if configured.env == "production" and app.debug:
        raise ConfigError("debug mode (FLASK_DEBUG) is not allowed when TRACKER_ENV=production")
    if configured.proxy_count:
        count = int(configured.proxy_count)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.before_request(_request_id)
    app.after_request(_security_headers)
    app.after_request(_record_refusal)
    app.after_request(_log_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Conflict, _conflict)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.filters.update(yi=money.yi, wan=money.wan, local=_local_time)
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


def load_or_404(load, *key):
    """What `load(session, *key)` finds (a project by code, a target by id), or the Chinese 404
    page."""
    found = load(get_session(), *key)
    if found is None:
        abort(404)
    return found


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
    configured = settings()
    hosts = list(configured.map_tile_hosts or []) + list(configured.csp_extra_hosts or [])
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
        entity, entity_id, sentence = _refusal(code)
        record_now(
            actor=current_actor(),
            action="refused",
            entity=entity,
            entity_id=entity_id,
            detail=sentence,
        )
    except Exception:  # never let the record of a refusal turn it into a 500
        log.exception("could not record a refused request, request id %s", g.get("request_id"))
    return response


def _place() -> str:
    """Where the request was: the record its address names, else the page, in words."""
    code = g.get("denied_project") or (request.view_args or {}).get("code")
    if code:
        return f"项目 {code}"
    if request.path.startswith("/api/"):
        return "数据接口"
    return PAGE_NAMES.get(request.blueprint or "", "页面")


def _refusal(code: int) -> tuple[str, str, str]:
    """(entity, entity id, sentence) of a refused request for the audit trail, e.g.
    「无权限：编辑里程碑（项目 P00003）」: what was refused and where, never an HTTP line."""
    conflict = g.get("conflict")
    if code == 409 and conflict is not None:
        return "request", "", f"保存被拒绝：{conflict.title} 已被他人修改"
    place = _place()
    if code == 403 and g.get("denied_action"):
        action = ACTION_LABELS.get(g.denied_action, "此操作")
        return "request", "", f"无权限：{action}（{place}）"
    if code == 400 and g.get("csrf_refused"):
        return "request", "", f"表单已过期或缺少安全令牌，未被接受（{place}）"
    return "request", "", f"{REFUSALS.get(code, MESSAGES.get(code, '请求被拒绝'))}（{place}）"


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
        g.csrf_refused = True
        message = "表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交"
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("error.html", code=code, message=message), code


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"


def _conflict(error: Conflict):
    """The one 409 page: what others saved meanwhile (Asia/Shanghai), what this user typed
    (shown back as text, so nothing is lost), and a link to the form with the latest data."""
    g.conflict = error
    session = g.get("db_session")
    if session is not None:
        session.rollback()  # nothing of the stale save is kept
    if _wants_json():
        return jsonify({"error": MESSAGES[409], "status": 409, "changes": error.changes}), 409
    page = render_template(
        "conflict.html",
        conflict=error,
        submitted=submitted_values(g.get("submitted_form")),
        reopen=_reopen_url(),
    )
    return page, 409


def _reopen_url() -> str:
    """The form's own address when it can be opened with GET, else the page the form was on."""
    rule = request.url_rule
    if rule is not None and "GET" in (rule.methods or ()):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("home.index")


def submitted_values(form) -> list[tuple[str, str]]:
    """What was typed into a form, as (label, text) pairs; rows of a table as 「第 N 行·…」."""
    if form is None:
        return []
    return [pair for field in form for pair in _field_values(field, "")]


def _field_values(field, prefix: str) -> list[tuple[str, str]]:
    if field.type in UNSHOWN_FIELDS:
        return []
    if field.type == "FieldList":
        return [
            pair
            for number, entry in enumerate(field.entries, 1)
            for pair in _field_values(entry, f"{prefix}第 {number} 行·")
        ]
    if field.type == "FormField":
        return [pair for sub in field.form for pair in _field_values(sub, prefix)]
    text = _typed(field)
    return [(f"{prefix}{field.label.text}", text)] if text else []


def _typed(field) -> str:
    if field.type == "BooleanField":
        return "是" if field.data else ""
    if field.type in {"SelectField", "SelectMultipleField", "RadioField"}:
        chosen = [str(c[1]) for c in field.iter_choices() if c[2] and str(c[0]) != ""]
        return "、".join(chosen)
    raw = field.raw_data[0] if field.raw_data else field.data
    return "" if raw is None else str(raw).strip()


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
