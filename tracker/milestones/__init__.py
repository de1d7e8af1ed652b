"""Milestones and schedule (进度): per-project phases laid out from 项目期限, the PM's form,
health and term-start rules, the project timeline and the portfolio Gantt view."""

from flask import Flask

from tracker import audit, extend
from tracker.config import ConfigError, settings


def init_app(app: Flask) -> None:
    from tracker.milestones import logic, services, worklists
    from tracker.milestones.api import milestones_part
    from tracker.milestones.views import bp

    try:
        logic.parse_template(settings(app).milestone_template)
    except logic.TemplateError as exc:
        raise ConfigError(str(exc)) from exc
    app.register_blueprint(bp)
    extend.add_nav(app, extend.NavItem(40, "需要更新", "milestones.needs_update"))
    extend.add_nav(app, extend.NavItem(42, "甘特图", "milestones.gantt"))
    extend.add_project_panel(app, extend.Panel(10, "milestones/panel.html", worklists.panel))
    extend.add_project_api_part(app, "milestones", milestones_part)
    extend.on_projects_created(app, services.on_projects_created)
    audit.register_entity(app, "milestone", "里程碑", services.audit_fields())
