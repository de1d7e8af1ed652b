"""Plan targets and jurisdictions: is the plan being delivered?"""

from tracker import audit
from tracker.config import settings
from tracker.extend import (
    NavItem,
    Panel,
    add_home_card,
    add_nav,
    add_project_api_part,
    add_project_panel,
)


def _panel(session, project, today):
    from tracker.targets.services import targets_for_project

    return {
        "target_views": targets_for_project(
            session, project, today=today, class_sizes=settings().class_sizes
        )
    }


def _api_part(session, project, today):
    from tracker.targets.api import project_part

    return project_part(_panel(session, project, today)["target_views"])


def _home_card(session, today):
    from tracker.targets.services import evaluate, flatten

    views = flatten(evaluate(session, today=today, class_sizes=settings().class_sizes))
    return {
        "total": len(views),
        "behind": sum(1 for v in views if v.att.on_pace is False),
        "flagged": sum(1 for v in views if any(f.level != "info" for f in v.flags)),
        "unlinked": sum(1 for v in views if v.rule and v.rule.computed and not v.att.project_ids),
    }


def init_app(app):
    from tracker.targets import cli, logic
    from tracker.targets.services import audit_fields
    from tracker.targets.views import api, bp

    app.register_blueprint(bp)
    app.register_blueprint(api)
    app.add_template_filter(logic.fmt, "exact")
    app.add_template_global(logic.bar_percent, "bar_percent")
    add_nav(app, NavItem(60, "规划目标", "targets.index"))
    add_project_panel(app, Panel(60, "targets/panel.html", _panel))
    add_project_api_part(app, "targets", _api_part)
    add_home_card(app, Panel(60, "targets/home_card.html", _home_card))
    cli.register(app)
    audit.register_entity(app, "target", "规划目标", audit_fields())
