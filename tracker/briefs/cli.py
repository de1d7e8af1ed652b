"""flask --app tracker make-briefs OUTDIR: every project's brief plus the portfolio brief."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from tracker import clock
from tracker.briefs.output import write_all
from tracker.briefs.services import BriefSettings
from tracker.config import settings as configured


@click.command("make-briefs")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def make_briefs(outdir: Path):
    """Write one PDF brief per active project and portfolio.pdf into OUTDIR."""
    settings = BriefSettings.from_settings(configured())
    with Session(current_app.extensions["engine"]) as session:
        result = write_all(session, outdir, today=clock.today(), settings=settings)
    click.echo(f"已生成 {len(result.files)} 份简报，保存在 {outdir}")
    if result.failed:
        click.echo(f"以下项目的简报生成失败（详见日志）：{'、'.join(result.failed)}", err=True)
        sys.exit(1)
