"""Commands: `flask --app tracker purge-report-photos` (deleted reports and unreferenced photo
files) and `flask --app tracker report-month-close [--today YYYY-MM-DD]` (the monthly job once)."""

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from tracker.audit import Actor
from tracker.clock import today as clock_today
from tracker.reports import photos, services

CLI_ACTOR = Actor(None, "命令行")


@click.command("purge-report-photos")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def purge_cmd(dry_run):
    """Remove deleted report versions, their photo rows, and every photo file no row refers to."""
    app = current_app._get_current_object()
    root = photos.store_dir(app)
    with Session(app.extensions["engine"]) as session:
        if dry_run:
            reports, rows = 0, 0
        else:
            reports, rows = services.purge_deleted(session, actor=CLI_ACTOR)
            session.commit()  # rows first: a file goes only once nothing can refer to it
        result = photos.remove_unreferenced(
            root, services.referenced_photos(session), dry_run=dry_run
        )
    verb = "将删除" if dry_run else "已删除"
    click.echo(
        f"{verb}：已删除的月报 {reports} 份、照片记录 {rows} 条、文件 {result.files} 个"
        f"（{result.bytes / 1024 / 1024:.1f} MB）"
    )


@click.command("report-month-close")
@with_appcontext
@click.option("--today", "when", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def month_close_cmd(when):
    """Seal the newest closed month's snapshot and mail the 未报送 lists (as the job does)."""
    from tracker.reports.jobs import month_close

    day: date = when.date() if when else clock_today()
    result = month_close(current_app._get_current_object(), day)
    click.echo(
        f"{result.period}：快照{'已封存' if result.sealed else '早已存在'}，"
        f"未报送 {result.missing} 个项目，发送邮件 {result.mailed} 封"
    )
