"""Alembic, driven from code: the migrations live in tracker/migrations and follow SQLModel.metadata.

`upgrade` runs in one transaction (SQLite included), so a failed upgrade leaves the database as it
was. Before it migrates it repairs one known state: a database migrated before commit cf920d3, when
the published history still branched (see `repair_pre_rewrite_history`).
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, pool, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"

# Until commit cf920d3 the published history branched at 0001_registry: 0003_finance, 0004_accounts
# and 0006_targets each revised it, beside 0002_milestones → 0002_milestones_scan_log, so
# `upgrade heads` left one alembic_version row per branch. cf920d3 then put the same files in one
# line (0001 → 0002 → 0002_scan_log → 0003 → 0004 → 0006) by editing their down_revision, which
# alembic cannot reconcile with the old rows. These are the old parents, and the tables each of
# those revisions creates; both are frozen history.
PRE_REWRITE_PARENTS = {
    "0001_registry": None,
    "0002_milestones": "0001_registry",
    "0002_milestones_scan_log": "0002_milestones",
    "0003_finance": "0001_registry",
    "0004_accounts": "0001_registry",
    "0006_targets": "0001_registry",
}
PRE_REWRITE_TABLES = {
    "0001_registry": ("app_user", "audit_entry", "project", "project_assignment"),
    "0002_milestones": ("milestone", "project_schedule", "alert"),
    "0002_milestones_scan_log": ("alert_scan",),
    "0003_finance": ("investment_year", "investment_month", "funding_source", "finance_sheet"),
    "0004_accounts": ("login_throttle", "api_token"),
    "0006_targets": ("jurisdiction", "target_plan", "plan_target", "target_link"),
}
# 0004_accounts was also edited after it was published (741096f added this index): a database that
# ran the first version lacks it.
LATE_INDEX = ("audit_entry", "ix_audit_entry_username", ["username"])

STOP_HINT = (
    "请先备份数据库，再联系维护人员核对迁移记录 / Back up the database, then compare the "
    "alembic_version table with the tables that exist (README: Migrations) before upgrading"
)


class MigrationError(RuntimeError):
    """The database's migration record cannot be upgraded as it is; the message says what to do."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def migration_engine(database_url: str) -> Engine:
    """An engine whose transactions cover DDL too: pysqlite leaves DDL outside a transaction unless
    the BEGIN is issued by hand (the SQLAlchemy documentation's recipe)."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN")

    return engine


def upgrade(database_url: str, revision: str = "heads") -> list[str]:
    """Migrate to `revision` in one transaction; returns what was repaired first (lines for the
    operator, empty when nothing was). Raises MigrationError when the record cannot be trusted."""
    config = alembic_config(database_url)
    engine = migration_engine(database_url)
    try:
        with engine.begin() as connection:
            repaired = repair_pre_rewrite_history(connection, script_directory())
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    return repaired


def revision(database_url: str, message: str) -> None:
    """Autogenerate a new revision; read it before you keep it."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def merge_heads(message: str, rev_id: str | None = None) -> str:
    """Join the heads of two branches that met (each added a revision on the same parent) with a
    merge revision; returns its id. Nothing to do, and an error, when there is only one head."""
    heads = script_directory().get_heads()
    if len(heads) < 2:
        raise MigrationError(
            f"只有一个迁移头 {heads[0]}，无需合并 / one head only ({heads[0]}): nothing to merge"
        )
    config = alembic_config("sqlite://")
    return command.merge(config, "heads", message=message, rev_id=rev_id).revision


def current_revisions(connection: Connection) -> list[str]:
    if not inspect(connection).has_table("alembic_version"):
        return []
    return sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _pre_rewrite_applied(rows: list[str]) -> set[str]:
    applied = set()
    for row in rows:
        while row is not None:
            applied.add(row)
            row = PRE_REWRITE_PARENTS[row]
    return applied


def repair_pre_rewrite_history(connection: Connection, script: ScriptDirectory) -> list[str]:
    """Recognise a record written by the branched history and rewrite it for the linear one.

    The rows name the heads of the branches the database had reached (one row, too, when it was
    upgraded to one revision of a branch and its tables show it); their old ancestors are the
    revisions it ran. After checking that exactly those revisions' tables exist, the revisions the
    linear history puts between them and that the database never ran (a branch added later, such as
    0002_milestones_scan_log) are run now, exactly as the old history would have run them, and the
    rows collapse into the one revision that then describes the database. Any other record with
    rows that are each other's ancestors stops with MigrationError before anything is touched.
    """
    rows = current_revisions(connection)
    if not rows or not all(row in PRE_REWRITE_PARENTS for row in rows):
        if len(rows) > 1 and _rows_overlap(rows, script):
            raise MigrationError(
                f"迁移记录 {', '.join(rows)} 不是一条可升级的历史 / the migration record {rows} is "
                f"not one history that can be upgraded: {STOP_HINT}"
            )
        return []
    if any(row in _pre_rewrite_applied([other for other in rows if other != row]) for row in rows):
        raise MigrationError(
            f"迁移记录 {', '.join(rows)} 不是一条可升级的历史 / the migration record {rows} is not "
            f"one history that can be upgraded: {STOP_HINT}"
        )
    line = [
        rev.revision
        for rev in reversed(list(script.walk_revisions()))
        if rev.revision in PRE_REWRITE_PARENTS
    ]
    applied = _pre_rewrite_applied(rows)
    last = max(line.index(rev) for rev in applied)
    missing = [rev for rev in line[: last + 1] if rev not in applied]
    if not missing and len(rows) == 1:
        return []  # one row on the common stem (0001_registry, 0002_milestones): nothing differs
    if len(rows) == 1 and all(
        inspect(connection).has_table(t) for rev in missing for t in PRE_REWRITE_TABLES[rev]
    ):
        return []  # one row, and the tables say it was written by the linear history
    tables = set(inspect(connection).get_table_names())
    absent = [t for rev in applied for t in PRE_REWRITE_TABLES[rev] if t not in tables]
    unexpected = [t for rev in missing for t in PRE_REWRITE_TABLES[rev] if t in tables]
    if absent or unexpected:
        raise MigrationError(
            f"迁移记录 {', '.join(rows)} 与数据库中的表不符（缺少 {', '.join(absent) or '无'}，"
            f"多出 {', '.join(unexpected) or '无'}） / the migration record {rows} does not match "
            f"the tables (missing: {absent or 'none'}, unexpected: {unexpected or 'none'}): {STOP_HINT}"
        )
    context = MigrationContext.configure(
        connection, opts={"render_as_batch": connection.dialect.name == "sqlite"}
    )
    with Operations.context(context):
        for rev in missing:
            script.get_revision(rev).module.upgrade()
        if "0004_accounts" in applied:
            table, index, columns = LATE_INDEX
            if index not in {i["name"] for i in inspect(connection).get_indexes(table)}:
                Operations(context).create_index(index, table, columns)
    connection.execute(text("DELETE FROM alembic_version"))
    connection.execute(
        text("INSERT INTO alembic_version (version_num) VALUES (:rev)"), {"rev": line[last]}
    )
    ran = f"，补做 {', '.join(missing)}" if missing else ""
    ran_en = f", ran {', '.join(missing)}" if missing else ""
    return [
        f"已修复旧版迁移记录：{', '.join(rows)} → {line[last]}{ran} / repaired the migration record "
        f"written before the history was made linear: {', '.join(rows)} → {line[last]}{ran_en}"
    ]


def _rows_overlap(rows: list[str], script: ScriptDirectory) -> bool:
    """True when one row is an ancestor of another in today's history (several rows are normal only
    for independent branches)."""
    known = [row for row in rows if row in {rev.revision for rev in script.walk_revisions()}]
    if len(known) < len(rows):
        return True
    for row in rows:
        ancestors = {rev.revision for rev in script.iterate_revisions(row, "base")} - {row}
        if ancestors & set(rows):
            return True
    return False
