"""Accounts: users, roles, login, API tokens and what each role may do; also mounts the audit pages."""

from tracker import audit
from tracker.extend import NavItem, add_nav


def init_app(app):
    from tracker.accounts.admin import bp as users_bp
    from tracker.accounts.audit_log import bp as audit_bp
    from tracker.accounts.services import audit_fields
    from tracker.accounts.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(audit_bp)
    add_nav(app, NavItem(900, "用户管理", "users.index", "users.manage"))
    add_nav(app, NavItem(910, "操作日志", "audit.index", "audit.view_all"))
    add_nav(app, NavItem(990, "我的账号", "accounts.account", "view"))
    audit.register_entity(app, "user", "用户", audit_fields())
