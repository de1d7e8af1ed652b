"""Production tools: health and readiness checks, backup and restore, start-up checks, and the
records the scheduler keeps (job runs, heartbeat)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from tracker.ops.cli import backup_cmd, restore_cmd
    from tracker.ops.health import bp

    app.register_blueprint(bp)
    app.cli.add_command(backup_cmd)
    app.cli.add_command(restore_cmd)
