"""flask --app tracker load-targets: the jurisdiction tree and the seed plan targets, idempotently."""

import sys
from pathlib import Path

import click
from flask import Flask
from sqlmodel import Session

from tracker.audit.services import Actor
from tracker.db import engine
from tracker.targets.loader import (
    JURISDICTIONS_FILE,
    TARGETS_FILE,
    load_jurisdictions,
    load_targets,
)

CLI_ACTOR = Actor(None, "命令行")


def register(app: Flask) -> None:
    @app.cli.command("load-targets")
    @click.option(
        "--file", "path", type=click.Path(exists=True, path_type=Path), default=TARGETS_FILE
    )
    @click.option(
        "--jurisdictions",
        type=click.Path(exists=True, path_type=Path),
        default=JURISDICTIONS_FILE,
    )
    def load_targets_cmd(path, jurisdictions):
        """Load data/jurisdictions.csv and data/targets.csv (upsert by path / key; safe to re-run)."""
        with Session(engine()) as session:
            places = load_jurisdictions(session, jurisdictions.read_text(encoding="utf-8"))
            if places.ok:
                outcome = load_targets(
                    session, actor=CLI_ACTOR, text=path.read_text(encoding="utf-8")
                )
            for error in places.errors or outcome.errors:
                click.echo(error, err=True)
            if not places.ok or not outcome.ok:
                click.echo("规划目标导入失败，数据库未改动", err=True)
                sys.exit(1)
            session.commit()
        click.echo(
            f"区域：新增 {places.created}，更新 {places.updated}，未变 {places.unchanged}；"
            f"目标：新增 {outcome.created}，更新 {outcome.updated}，未变 {outcome.unchanged}"
        )
