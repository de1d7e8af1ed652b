"""Database dumps for backups, per dialect: SQLite through its online backup API, PostgreSQL
through pg_dump/pg_restore (custom format) run in one snapshot with the row counts."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

SKIP_COUNT = {"alembic_version"}


class DumpError(RuntimeError):
    """A dump or load that could not be done; the message is for the operator (Chinese)."""


def dialect(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def pg_env(url: str) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore/psql (the password stays out of `ps`)."""
    u = make_url(url)
    env = dict(os.environ)
    for key, value in {
        "PGHOST": u.host,
        "PGPORT": str(u.port) if u.port else None,
        "PGUSER": u.username,
        "PGPASSWORD": u.password,
        "PGDATABASE": u.database,
        "PGSSLMODE": u.query.get("sslmode"),
    }.items():
        if value:
            env[key] = str(value)
    env["PGCONNECT_TIMEOUT"] = "10"
    return env


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise DumpError(
            f"找不到 PostgreSQL 客户端程序 {name}：请安装 postgresql-client（scripts/system-deps）"
        )
    return found


def table_counts(conn) -> dict[str, int]:
    names = sorted(n for n in inspect(conn).get_table_names() if n not in SKIP_COUNT)
    return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def revision(conn) -> str:
    if "alembic_version" not in inspect(conn).get_table_names():
        return ""
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


# --- dump --------------------------------------------------------------------------------


def dump_sqlite(url: str, out: Path) -> tuple[dict[str, int], str]:
    """A consistent copy while the app keeps running (the online backup API), as one file."""
    source = sqlite3.connect(sqlite_path(url), timeout=60)
    target = sqlite3.connect(out)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        source.close()
        target.close()
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{out}")
    try:
        with engine.connect() as conn:
            return table_counts(conn), revision(conn)
    finally:
        engine.dispose()


def dump_postgres(engine: Engine, url: str, out: Path) -> tuple[dict[str, int], str]:
    """pg_dump in custom format from a snapshot this transaction exports, so the row counts
    written into the manifest are those of the dump itself."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, rev = table_counts(conn), revision(conn)
            done = subprocess.run(
                [tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-owner",
                 "--no-privileges", f"--file={out}"],
                env=pg_env(url),
                capture_output=True,
                text=True,
            )  # fmt: skip
            if done.returncode != 0:
                raise DumpError(f"pg_dump 失败：{done.stderr.strip()[:500]}")
    return counts, rev


# --- load (restore) ----------------------------------------------------------------------


def check_sqlite_copy(path: Path, counts: dict[str, int]) -> None:
    """The copy in the archive opens, passes SQLite's integrity check and holds the counted rows."""
    conn = sqlite3.connect(path)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise DumpError("备份中的数据库文件已损坏（完整性检查未通过），未做任何改动")
        for table, expected in counts.items():
            found = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            if found != expected:
                raise DumpError(
                    f"备份中的表 {table} 行数不符（{found} ≠ {expected}），未做任何改动"
                )
    finally:
        conn.close()


def load_sqlite(copy: Path, url: str) -> None:
    """Replace the target database's content with the copy, page by page, in one step."""
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    target = sqlite3.connect(path, timeout=60)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        source.close()
        target.close()


def load_postgres(engine: Engine, dump: Path, url: str, counts: dict[str, int]) -> None:
    """pg_restore turns the dump into SQL; psql runs it with the old tables dropped first and the
    row counts checked last, all in ONE transaction: any failure leaves the database as it was."""
    with engine.connect() as conn:
        existing = inspect(conn).get_table_names()
    script = dump.with_suffix(".sql")
    with script.open("w", encoding="utf-8") as out:
        for name in existing:
            out.write(f'DROP TABLE IF EXISTS public."{name}" CASCADE;\n')
        out.flush()
        done = subprocess.run(
            [tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            raise DumpError(f"pg_restore 无法读取备份：{done.stderr.strip()[:500]}，未做任何改动")
        out.write("\nDO $check$ BEGIN\n")
        for table, expected in counts.items():
            out.write(
                f'  IF (SELECT COUNT(*) FROM public."{table}") <> {int(expected)} THEN '
                f"RAISE EXCEPTION 'table {table}: row count differs from the backup'; END IF;\n"
            )
        out.write("END $check$;\n")
    done = subprocess.run(
        [tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
         f"--file={script}"],
        env=pg_env(url),
        capture_output=True,
        text=True,
    )  # fmt: skip
    script.unlink(missing_ok=True)
    if done.returncode != 0:
        raise DumpError(f"恢复数据库失败，已全部回滚：{done.stderr.strip()[:500]}")
