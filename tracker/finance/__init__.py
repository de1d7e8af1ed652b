"""Investment: yearly plan vs completed, funding sources, pivots and the plan-window reconciliation."""

from tracker import audit
from tracker.extend import NavItem, Panel, add_nav, add_project_api_part, add_project_panel


def _panel(session, project, today) -> dict:
    from tracker.finance.logic import completion_rate, shown
    from tracker.finance.services import project_finance

    return {"finance": project_finance(session, project), "shown": shown, "rate": completion_rate}


def init_app(app):
    from tracker.finance.api import bp as api_bp
    from tracker.finance.api import project_part
    from tracker.finance.services import audit_fields
    from tracker.finance.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    add_nav(app, NavItem(40, "投资", "finance.index", "view"))
    add_project_panel(app, Panel(30, "finance/panel.html", _panel))
    add_project_api_part(app, "finance", project_part)
    audit.register_entity(app, "investment", "投资", audit_fields())
    audit.register_entity(app, "funding", "资金来源")  # entries from before one-entry-per-save
