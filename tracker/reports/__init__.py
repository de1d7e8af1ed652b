"""Monthly progress reports (月度调度): a report per project per month with site photos, review,
deadlines and reminders, the 月度调度表, the history chart and the as-of view of closed months."""

from flask import Flask

from tracker import audit, extend


def init_app(app: Flask) -> None:
    from tracker.reports import panels
    from tracker.reports.api import bp as api_bp
    from tracker.reports.api import project_part
    from tracker.reports.cli import month_close_cmd, purge_cmd
    from tracker.reports.photos import store_dir
    from tracker.reports.services import audit_fields
    from tracker.reports.views import bp, upload_limit

    app.register_blueprint(bp)
    # First of all before-request hooks: the CSRF check reads the body under the request limit.
    app.before_request_funcs.setdefault(None, []).insert(0, upload_limit)
    app.register_blueprint(api_bp)
    extend.add_nav(app, extend.NavItem(35, "月报", "reports.index"))
    extend.add_nav(app, extend.NavItem(36, "调度表", "reports.dispatch_table"))
    extend.add_project_panel(app, extend.Panel(15, "reports/panel.html", panels.project_panel))
    extend.add_home_card(app, extend.Panel(15, "reports/home_card.html", panels.home_card))
    extend.add_worklist_panel(app, extend.Panel(20, "reports/worklist.html", panels.worklist))
    extend.add_project_api_part(app, "reports", project_part)
    audit.register_entity(app, "report", "月报", audit_fields())
    audit.register_entity(app, "report_snapshot", "月报快照")
    extend.add_file_store(app, extend.FileStore("report-photos", store_dir))
    app.cli.add_command(purge_cmd)
    app.cli.add_command(month_close_cmd)
