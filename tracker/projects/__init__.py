"""The portfolio registry: build projects, their parsed capacity and data-quality flags."""

from tracker import audit
from tracker.extend import NavItem, add_nav


def init_app(app):
    from tracker.projects.api import bp as api_bp
    from tracker.projects.directory import register as register_directory
    from tracker.projects.models import audit_fields
    from tracker.projects.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    add_nav(app, NavItem(10, "项目", "projects.index"))
    add_nav(app, NavItem(90, "数据质量", "projects.quality"))
    audit.register_entity(app, "project", "项目", audit_fields())
    register_directory(app)
