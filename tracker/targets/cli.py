"""flask --app tracker load-targets: the jurisdiction tree and the seed plan targets, idempotently."""

import sys
from pathlib import Path

import click
from flask import Flask
from sqlmodel import Session, func, select

from tracker.audit.services import Actor
from tracker.db import engine
from tracker.targets.loader import (
    JURISDICTIONS_FILE,
    TARGETS_FILE,
    load_jurisdictions,
    load_targets,
)
from tracker.targets.models import Plan

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
    @click.option(
        "--update",
        is_flag=True,
        help="Also when plans exist: upsert targets by key (overwrites edits made in the app).",
    )
    def load_targets_cmd(path, jurisdictions, update):
        """Load data/jurisdictions.csv, then data/targets.csv when no plans exist yet (safe to
        re-run from scripts/run; --update upserts the targets by their key)."""
        with Session(engine()) as session:
            places = load_jurisdictions(session, jurisdictions.read_text(encoding="utf-8"))
            plans = session.exec(select(func.count(Plan.id))).one()
            if places.ok and plans and not update:
                session.commit()
                click.echo(
                    f"区域：新增 {places.created}，更新 {places.updated}，未变 {places.unchanged}；"
                    f"数据库已有 {plans} 个规划，不再导入目标（用 --update 按目标编号更新）"
                )
                return
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
