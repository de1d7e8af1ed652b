"""Alerts (预警): the idempotent daily scan, the alerts page and API, digests by mail, and the
command that runs one scan (flask scan-overdue); the scheduler that runs it daily is the app's."""

from flask import Flask

from tracker import audit, extend


def init_app(app: Flask) -> None:
    from tracker.alerts.cli import scan_overdue_cmd
    from tracker.alerts.views import bp, home_card

    app.register_blueprint(bp)
    extend.add_nav(app, extend.NavItem(45, "预警", "alerts.index"))
    extend.add_home_card(app, extend.Panel(10, "alerts/home_card.html", home_card))
    app.cli.add_command(scan_overdue_cmd)
    audit.register_entity(app, "alert", "预警")
