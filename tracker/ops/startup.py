"""Start-up checks for scripts/serve, scripts/run and the scheduler: each problem becomes ONE line
in Chinese and English naming the setting to fix, never a traceback.

    python -m tracker.ops.startup [--trial] [--allow-behind] [--prepare [--seed]]

--prepare also does the idempotent set-up in the same process (quicker than one `flask` command
each): migrate, load the seed portfolio into an empty database (--seed), load the plan targets,
create the first administrator once. Exit status 0 when the app may start, 2 when it may not
(1 when a set-up step failed; it said why)."""

import argparse
import sqlite3
import sys

from alembic.script import ScriptDirectory
from sqlalchemy import text

from tracker import migrate
from tracker.config import ConfigError


class StartupProblem(RuntimeError):
    """One line, Chinese then English."""


def _problem(chinese: str, english: str) -> StartupProblem:
    return StartupProblem(f"启动失败：{chinese}  /  Start-up refused: {english}")


def _app():
    from tracker import create_app

    try:
        return create_app()
    except ConfigError as exc:
        text_ = str(exc)
        if "SECRET_KEY" in text_:
            raise _problem(
                "未设置 SECRET_KEY 或其值不安全（至少 32 个随机字符，例如 openssl rand -hex 32 的输出）",
                "SECRET_KEY is missing or unsafe (set at least 32 random characters)",
            ) from None
        if "FLASK_DEBUG" in text_:
            raise _problem(
                "生产环境不允许 FLASK_DEBUG，请删除该设置",
                "FLASK_DEBUG is not allowed with TRACKER_ENV=production: remove it",
            ) from None
        raise _problem(f"配置错误：{text_}", text_) from None
    except (ValueError, TypeError) as exc:  # e.g. TRACKER_PAGE_SIZE=abc, bad JSON
        raise _problem(
            f"某个 TRACKER_ 设置的值无法读取（{exc}）",
            f"a TRACKER_ setting has an unreadable value ({exc})",
        ) from None


def check_database(app, *, allow_behind: bool = False) -> None:
    url = app.config["DATABASE_URL"]
    try:
        with app.extensions["engine"].connect() as conn:
            current = set()
            if conn.dialect.has_table(conn, "alembic_version"):
                current = set(
                    conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                )
    except Exception as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:160]
        raise _problem(
            f"无法连接数据库，请检查 DATABASE_URL（{reason}）",
            f"cannot reach the database: check DATABASE_URL ({reason})",
        ) from None
    heads = set(ScriptDirectory.from_config(migrate.alembic_config(url)).get_heads())
    if current != heads and not allow_behind:
        shown = ", ".join(sorted(current)) or "空库"
        raise _problem(
            f"数据库结构不是最新（当前 {shown}），请先运行 flask --app tracker db-upgrade",
            "database migrations are behind: run `flask --app tracker db-upgrade` first",
        )


def check_production(app) -> None:
    """What a real server must not run with: development mode, SQLite without WAL."""
    if app.config["ENV"] == "development":
        raise _problem(
            "TRACKER_ENV 仍是开发模式 development；正式运行请设为 production（试用请加 --trial）",
            "TRACKER_ENV is development: set TRACKER_ENV=production (or pass --trial)",
        )
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        from tracker.ops.dumps import sqlite_path

        conn = sqlite3.connect(sqlite_path(url))
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        finally:
            conn.close()
        if mode.lower() != "wal":
            raise _problem(
                f"SQLite 数据库无法使用 WAL 模式（当前 {mode}，多进程会互相锁住），"
                "请把 DATABASE_URL 指向本地磁盘上的文件或改用 PostgreSQL",
                f"SQLite cannot use WAL here (journal_mode={mode}): put DATABASE_URL on a local "
                "disk or use PostgreSQL",
            )


def prepare(app, *, seed: bool) -> int:
    """db-upgrade, load-seed (when asked), load-targets, ensure-admin: the same commands
    scripts/run has always run, in this process."""
    migrate.upgrade(app.config["DATABASE_URL"])
    print("数据库已是最新结构")
    names = (["load-seed"] if seed else []) + ["load-targets", "ensure-admin"]
    with app.app_context():
        for name in names:
            command = app.cli.get_command(None, name)
            try:
                command.main(args=[], prog_name=name, standalone_mode=False)
            except SystemExit as exc:
                if exc.code:
                    return int(exc.code) if isinstance(exc.code, int) else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.ops.startup")
    parser.add_argument("--trial", action="store_true", help="allow development defaults")
    parser.add_argument("--allow-behind", action="store_true", help="skip the migration check")
    parser.add_argument("--prepare", action="store_true", help="migrate and set up, then check")
    parser.add_argument("--seed", action="store_true", help="with --prepare: load the seed")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    try:
        app = _app()
        check_database(app, allow_behind=args.allow_behind or args.prepare)
        if args.prepare:
            failed = prepare(app, seed=args.seed)
            if failed:
                return failed
            check_database(app)
        if not args.trial:
            check_production(app)
    except StartupProblem as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        logging.disable(logging.NOTSET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
