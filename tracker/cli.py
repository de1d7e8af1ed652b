"""Command-line entry points: flask --app tracker <command>."""

import secrets
import signal
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlmodel import Session, func, select

from tracker import migrate
from tracker.accounts.roles import ROLES
from tracker.accounts.services import AccountError, count_users, create_user
from tracker.audit.services import Actor
from tracker.clock import today
from tracker.config import settings
from tracker.dataio.services import export_projects, import_file
from tracker.db import engine
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project
from tracker.tabular import Limits

CLI_ACTOR = Actor(None, "命令行")
SEED_FILE = Path(__file__).resolve().parent.parent / "data" / "projects.csv"


def _import(path: Path, dry_run: bool) -> bool:
    with Session(engine()) as session:
        outcome = import_file(
            session,
            actor=CLI_ACTOR,
            data=path.read_bytes(),
            filename=path.name,
            window=settings().plan_window,
            dry_run=dry_run,
            limits=Limits.from_settings(current_app.config),
        )
        for error in outcome.errors:
            click.echo(str(error), err=True)
        for note in outcome.notes:
            click.echo(f"提示：{note}")
        if not outcome.ok:
            click.echo(f"导入失败：{len(outcome.errors)} 处错误，数据库未改动", err=True)
            return False
        if dry_run:
            click.echo(f"检查通过：{outcome.rows} 行可以导入（未写入）")
            return True
        session.commit()
        r = outcome.result
        click.echo(f"导入完成：新增 {r.created} 个，更新 {r.updated} 个，未变 {r.unchanged} 个")
        return True


def register_commands(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Create or migrate the database to the newest schema."""
        try:
            repaired = migrate.upgrade(settings().database_url)
        except migrate.MigrationError as exc:
            raise click.ClickException(str(exc)) from None
        for line in repaired:
            click.echo(line)
        click.echo("数据库已是最新结构")

    @app.cli.command("db-merge")
    @click.option("-m", "--message", required=True)
    @click.option("--rev-id", help="the new revision's id, e.g. 0008_merge_finance_targets")
    def db_merge(message, rev_id):
        """Join two migration heads with a merge revision (when two branches each added one)."""
        try:
            revision = migrate.merge_heads(message, rev_id)
        except migrate.MigrationError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"已生成合并迁移 {revision}")

    @app.cli.command("db-revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message):
        """Autogenerate a migration from the models (read it before committing)."""
        migrate.revision(settings().database_url, message)

    @app.cli.command("import-projects")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file without writing anything.")
    def import_projects(file, dry_run):
        """Import a project table (CSV or XLSX): all rows or none."""
        if not _import(file, dry_run):
            sys.exit(1)

    @app.cli.command("load-seed")
    @click.option("--file", "path", type=click.Path(exists=True, path_type=Path), default=SEED_FILE)
    def load_seed(path):
        """Load data/projects.csv when the database holds no projects yet."""
        with Session(engine()) as session:
            existing = session.exec(select(func.count(Project.id))).one()
        if existing:
            click.echo(f"数据库已有 {existing} 个项目，不再导入种子数据")
            return
        if not _import(path, dry_run=False):
            sys.exit(1)

    @app.cli.command("export-projects")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def export_cmd(file):
        """Export every active project to FILE (.csv or .xlsx)."""
        fmt = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
        with Session(engine()) as session:
            data = export_projects(
                session,
                actor=CLI_ACTOR,
                f=ProjectFilter(),
                fmt=fmt,
                as_of=today(),
                jurisdiction=settings().jurisdiction_name,
            )
            file.write_bytes(data)
            session.commit()
        click.echo(f"已导出到 {file}")

    @app.cli.command("scheduler")
    def scheduler_cmd():
        """Run the job scheduler in the foreground (exactly one per installation)."""
        from tracker import scheduler  # APScheduler is loaded by this process only

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            scheduler.run(current_app._get_current_object(), echo=click.echo)
        except scheduler.AlreadyRunning as exc:
            click.echo(str(exc), err=True)
            sys.exit(3)

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(list(ROLES)), required=True)
    @click.option("--password", help="Omit to generate a random one, printed once.")
    def create_user_cmd(username, role, password):
        """Create a user with a role."""
        password = password or secrets.token_urlsafe(12)
        with Session(engine()) as session:
            try:
                create_user(
                    session, actor=CLI_ACTOR, username=username, password=password, role=role
                )
            except AccountError as exc:
                raise click.ClickException(str(exc)) from exc
            session.commit()
        click.echo(f"已创建用户 {username}（{ROLES[role]}），密码：{password}")

    @app.cli.command("ensure-admin")
    def ensure_admin():
        """First start only: create an administrator with a random password, print it once and
        keep it under instance/ for the operator."""
        with Session(engine()) as session:
            if count_users(session):
                return
            password = secrets.token_urlsafe(12)
            create_user(
                session,
                actor=CLI_ACTOR,
                username="admin",
                password=password,
                role="admin",
                display_name="管理员",
            )
            session.commit()
        path = Path(current_app.instance_path) / "admin-password.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"username: admin\npassword: {password}\n")
        path.chmod(0o600)
        click.echo("=" * 60)
        click.echo(f"首次启动：已创建管理员 admin，密码 {password}")
        click.echo(f"（密码同时保存在 {path}，登录后请修改）")
        click.echo("=" * 60)
