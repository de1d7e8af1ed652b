"""Alerts (预警): the idempotent daily scan, the alerts page and API, digests by mail, and the
commands that run the scheduler (flask scheduler) or one scan (flask scan-overdue)."""

from flask import Flask

from tracker import extend


def init_app(app: Flask) -> None:
    from tracker.alerts.cli import scan_overdue_cmd, scheduler_cmd
    from tracker.alerts.views import bp, home_card

    app.register_blueprint(bp)
    extend.add_nav(app, extend.NavItem(45, "预警", "alerts.index"))
    extend.add_home_card(app, extend.Panel(10, "alerts/home_card.html", home_card))
    app.cli.add_command(scheduler_cmd)
    app.cli.add_command(scan_overdue_cmd)
