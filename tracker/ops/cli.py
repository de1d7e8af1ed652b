"""flask --app tracker backup FILE | restore FILE [--replace]."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.ops import backup, dumps, restore


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_cmd(file):
    """Back up the database and every kept file into FILE (a .tar.gz archive)."""
    try:
        manifest = backup.create(current_app._get_current_object(), file)
    except dumps.DumpError as exc:
        click.echo(f"备份失败：{exc}", err=True)
        sys.exit(1)
    rows = sum(manifest["tables"].values())
    files = len(manifest["members"]) - 1
    click.echo(f"已备份到 {file}：{len(manifest['tables'])} 张表共 {rows} 行，{files} 个文件")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds data.")
@with_appcontext
def restore_cmd(file, replace):
    """Restore FILE (made by `backup`) into the configured database and file folders."""
    try:
        notes = restore.restore(current_app._get_current_object(), file, replace=replace)
    except restore.RestoreRefused as exc:
        click.echo(f"恢复被拒绝：{exc}", err=True)
        sys.exit(1)
    for note in notes:
        click.echo(note)
