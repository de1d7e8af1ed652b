"""Web plumbing shared by every blueprint: error pages, template filters, the context."""

import logging
import uuid

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from tracker import money
from tracker.accounts.roles import ROLES
from tracker.accounts.web import user_can
from tracker.clock import local

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限进行此操作",
    404: "找不到这个页面或项目",
    405: "不支持这种请求方式",
    413: "上传的文件太大",
    500: "服务器出错了，请稍后再试；如果一直出错，请把下面的请求编号告诉管理员",
}


def init_app(app: Flask) -> None:
    app.before_request(_request_id)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.filters.update(yi=money.yi, wan=money.wan, local=_local_time)
    app.context_processor(lambda: {"user_can": user_can, "roles": ROLES})


def _request_id():
    g.request_id = uuid.uuid4().hex[:12]


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(error: HTTPException):
    code = error.code or 500
    message = MESSAGES.get(code, error.name)
    if code == 413:
        limit = request.max_content_length or 0
        message = f"上传的文件太大：上限为 {limit // (1024 * 1024)} MB"
    if code == 400 and "CSRF" in (error.description or ""):
        message = "表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交"
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("error.html", code=code, message=message), code


def _unexpected_error(error: Exception):
    request_id = g.get("request_id", "-")
    log.exception("unhandled error, request id %s", request_id)
    message = MESSAGES[500]
    if _wants_json():
        return jsonify({"error": message, "request_id": request_id, "status": 500}), 500
    return render_template("error.html", code=500, message=message, request_id=request_id), 500


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
