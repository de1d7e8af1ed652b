"""flask --app tracker scan-overdue [--today YYYY-MM-DD]."""

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import clock


@click.command("scan-overdue")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
def scan_overdue_cmd(day):
    """Run the daily overdue scan once (as the scheduler would)."""
    from tracker.alerts.jobs import daily_scan

    today = day.date() if day else clock.today()
    result = daily_scan(current_app._get_current_object(), today)
    click.echo(
        f"扫描完成（{today}）：{result.projects} 个项目，新增预警 {result.opened} 条，"
        f"更新 {result.updated} 条，关闭 {result.closed} 条"
        + (f"，{len(result.failed)} 个项目评估失败（见日志）" if result.failed else "")
    )
