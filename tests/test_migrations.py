"""Migrations on real databases (SQLite, or a scratch schema of the PostgreSQL test database):

- a database built at the first published migration, with rows in every table, upgraded one
  revision at a time to head (rows added to each new table on the way) loses nothing; the revisions
  are read from alembic's script directory, so a new migration is covered the day it is added;
- head is what the models describe (a model change without its migration fails here);
- a database migrated while the published history still branched (before commit cf920d3, several
  rows in alembic_version) is repaired and upgraded, its data intact; a record that does not match
  the tables is refused with one Chinese and English line, and nothing is touched.
"""

import datetime as dt
import shutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select, text
from sqlmodel import SQLModel

import tracker.models  # noqa: F401
from tracker import create_app, migrate
from tracker.db import make_engine

UTC = dt.UTC
ROWS_PER_TABLE = 2


class Rows:
    """Rows written into every table of a database, kept to be found again later."""

    def __init__(self, engine):
        self.engine = engine
        self.written: dict[str, list[tuple[dict, dict]]] = {}  # table → [(primary key, values)]

    def fill_new_tables(self) -> list[str]:
        """Write ROWS_PER_TABLE rows into each table that has none of ours yet (parents first)."""
        metadata = MetaData()
        metadata.reflect(self.engine)
        filled = []
        with self.engine.begin() as conn:
            for table in metadata.sorted_tables:
                if table.name == "alembic_version" or table.name in self.written:
                    continue
                self.written[table.name] = [
                    self._insert(conn, table, n) for n in range(ROWS_PER_TABLE)
                ]
                filled.append(table.name)
        return filled

    def _insert(self, conn, table, n: int) -> tuple[dict, dict]:
        values = {}
        for column in table.columns:
            if column is table.autoincrement_column:
                continue
            values[column.name] = self._value(table, column, n)
        result = conn.execute(table.insert().values(values))
        key = dict(
            zip([c.name for c in table.primary_key], result.inserted_primary_key, strict=True)
        )
        return key, values

    def _value(self, table, column, n: int):
        for fk in column.foreign_keys:
            parent = self.written.get(fk.column.table.name) or []
            if len(parent) <= n:  # a row referring to its own table: the first has no parent
                assert column.nullable, f"{table.name}.{column.name} needs a row it cannot have"
                return None
            key, values = parent[n]
            return key.get(fk.column.name, values.get(fk.column.name))
        kind = column.type.python_type
        if kind is bool:
            return n % 2 == 0
        if kind is int:
            return 2020 + n * 3 + len(column.name)
        if kind is float:
            return 30.125 + n
        if kind is dt.datetime:
            aware = getattr(column.type, "timezone", False)
            return dt.datetime(2024, 5, 1 + n, 8, 30, 15, tzinfo=UTC if aware else None)
        if kind is dt.date:
            return dt.date(2024, 5, 1 + n)
        if kind is str:
            value = f"{n}{column.name}·迁移测试"
            length = getattr(column.type, "length", None)
            return value[:length] if length else value
        raise AssertionError(f"no sample value for {table.name}.{column.name} ({column.type})")

    def missing(self) -> dict[str, list]:
        """Rows written earlier that are no longer there as written, table by table."""
        metadata = MetaData()
        metadata.reflect(self.engine)
        lost = {}
        with self.engine.connect() as conn:
            for name, rows in self.written.items():
                table = metadata.tables.get(name)
                if table is None:
                    lost[name] = ["the table is gone"]
                    continue
                for key, values in rows:
                    found = conn.execute(
                        select(table).where(*(table.c[k] == v for k, v in key.items()))
                    ).one_or_none()
                    if found is None:
                        lost.setdefault(name, []).append((key, "row gone"))
                        continue
                    row = found._mapping
                    changed = {
                        c: (v, row[c]) for c, v in values.items() if _plain(row[c]) != _plain(v)
                    }
                    if changed:
                        lost.setdefault(name, []).append((key, changed))
        return lost


def _plain(value):
    """Datetimes compared as UTC wall time (SQLite keeps no zone)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _versions(engine) -> list[str]:
    with engine.connect() as conn:
        return migrate.current_revisions(conn)


def _model_differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


@pytest.fixture
def scratch(scratch_database):
    url = scratch_database("migrations")
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def test_rows_in_every_table_survive_each_step_from_the_first_migration_to_head(scratch):
    url, engine = scratch
    script = migrate.script_directory()
    steps = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert steps[0] == "0001_registry" and script.get_bases() == ["0001_registry"]
    rows = Rows(engine)
    filled_by = {}
    for step in steps:
        assert migrate.upgrade(url, step) == []
        assert step in _versions(engine)
        filled_by[step] = rows.fill_new_tables()
        assert rows.missing() == {}, f"after {step}"
    assert migrate.upgrade(url) == []  # every head, in case the history branches and merges
    assert _versions(engine) == sorted(script.get_heads())
    assert set(filled_by["0001_registry"]) >= {"project", "app_user", "audit_entry"}
    every_table = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert set(rows.written) == every_table
    assert rows.missing() == {}


def test_head_is_what_the_models_describe(scratch):
    url, engine = scratch
    migrate.upgrade(url)
    assert _model_differences(engine) == []
    migrate.upgrade(url)  # running it again changes nothing
    assert _versions(engine) == sorted(migrate.script_directory().get_heads())


# --- databases migrated while the published history branched (before commit cf920d3) -----------

# alembic_version as `flask db-upgrade` left it at each published commit that had several heads.
PRE_REWRITE_STATES = {
    "17e4378 accounts": ["0002_milestones", "0004_accounts"],
    "45fa555 targets": ["0002_milestones", "0004_accounts", "0006_targets"],
    "4009146 finance": ["0002_milestones", "0003_finance", "0004_accounts", "0006_targets"],
    "a8fa3b2 scan log": [
        "0002_milestones_scan_log",
        "0003_finance",
        "0004_accounts",
        "0006_targets",
    ],
}
# 741096f added the audit username index to the already published 0004_accounts.
BEFORE_LATE_INDEX = {"17e4378 accounts", "45fa555 targets", "4009146 finance"}


def _build_pre_rewrite(url, engine, heads: list[str], *, late_index: bool) -> None:
    """Run, in the old branch order, the migrations a database at `heads` had run (their bodies are
    unchanged since; only down_revision was edited), then write the old alembic_version rows."""
    script = migrate.script_directory()
    applied = sorted(
        migrate._pre_rewrite_applied(heads), key=list(migrate.PRE_REWRITE_PARENTS).index
    )
    with engine.begin() as conn:
        context = MigrationContext.configure(conn, opts={"render_as_batch": True})
        with Operations.context(context):
            for rev in applied:
                script.get_revision(rev).module.upgrade()
            if not late_index and "0004_accounts" in applied:
                Operations(context).drop_index("ix_audit_entry_username", "audit_entry")
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        for head in heads:
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


@pytest.mark.parametrize("state", list(PRE_REWRITE_STATES))
def test_database_from_the_branched_history_is_repaired_and_upgraded(scratch, state):
    url, engine = scratch
    heads = PRE_REWRITE_STATES[state]
    _build_pre_rewrite(url, engine, heads, late_index=state not in BEFORE_LATE_INDEX)
    rows = Rows(engine)
    rows.fill_new_tables()
    assert _versions(engine) == sorted(heads)

    notes = migrate.upgrade(url)

    assert len(notes) == 1 and "已修复旧版迁移记录" in notes[0] and "repaired" in notes[0]
    assert _versions(engine) == sorted(migrate.script_directory().get_heads())
    assert rows.missing() == {}
    assert _model_differences(engine) == []  # the same schema as a database made at head
    assert migrate.upgrade(url) == []


def test_repair_runs_the_migrations_the_old_branches_had_not_reached(scratch):
    url, engine = scratch
    _build_pre_rewrite(url, engine, PRE_REWRITE_STATES["17e4378 accounts"], late_index=False)
    assert not inspect(engine).has_table("investment_year")
    (note,) = migrate.upgrade(url)
    assert "0002_milestones_scan_log, 0003_finance" in note
    assert inspect(engine).has_table("alert_scan") and inspect(engine).has_table("investment_year")


def test_one_row_of_a_branch_is_read_by_the_tables_it_left(scratch, scratch_database):
    """`0004_accounts` alone meant 0001 + 0004 in the branched history and 0001 … 0004 in the linear
    one: the tables tell which, so the first is repaired and the second left alone."""
    url, engine = scratch
    _build_pre_rewrite(url, engine, ["0004_accounts"], late_index=True)
    (note,) = migrate.upgrade(url)
    assert "0004_accounts → 0004_accounts" in note and "0003_finance" in note
    assert _model_differences(engine) == []

    linear = scratch_database("linear")
    assert migrate.upgrade(linear, "0004_accounts") == []
    assert migrate.upgrade(linear) == []


def test_record_that_does_not_match_the_tables_is_refused_and_nothing_is_touched(scratch):
    url, engine = scratch
    heads = PRE_REWRITE_STATES["a8fa3b2 scan log"]
    _build_pre_rewrite(url, engine, heads, late_index=True)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alert_scan"))
    tables = set(inspect(engine).get_table_names())

    with pytest.raises(migrate.MigrationError) as refused:
        migrate.upgrade(url)

    message = str(refused.value)
    assert "\n" not in message
    assert "迁移记录" in message and "alert_scan" in message and "Back up the database" in message
    assert _versions(engine) == sorted(heads)
    assert set(inspect(engine).get_table_names()) == tables


@pytest.mark.parametrize("extra", ["0001_registry", "9999_unknown"])
def test_other_records_with_overlapping_rows_are_refused(scratch, extra):
    """Rows that are each other's ancestors, in the old history as in today's, or unknown ones."""
    url, engine = scratch
    migrate.upgrade(url)
    head = _versions(engine)[0]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": extra})
    with pytest.raises(migrate.MigrationError, match="不是一条可升级的历史"):
        migrate.upgrade(url)
    assert set(_versions(engine)) == {head, extra}


def test_a_failed_upgrade_leaves_the_database_as_it_was(scratch):
    """One transaction for the whole upgrade, on SQLite too (DDL included): 0002_milestones runs,
    0002_milestones_scan_log fails on a table in its way, and 0002_milestones is undone too."""
    url, engine = scratch
    migrate.upgrade(url, "0001_registry")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alert_scan (id INTEGER PRIMARY KEY)"))
    tables = set(inspect(engine).get_table_names())
    with pytest.raises(Exception, match="alert_scan"):
        migrate.upgrade(url)
    assert _versions(engine) == ["0001_registry"]
    assert set(inspect(engine).get_table_names()) == tables
    assert "milestone" not in tables


def test_db_upgrade_command_says_what_it_repaired_or_why_it_stops(scratch):
    url, engine = scratch
    _build_pre_rewrite(url, engine, PRE_REWRITE_STATES["a8fa3b2 scan log"], late_index=True)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "x" * 40})
    result = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("已修复旧版迁移记录")
    assert result.output.splitlines()[-1] == "数据库已是最新结构"

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version VALUES ('0001_registry')"))
    result = app.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "不是一条可升级的历史" in line and "Back up the database" in line
    app.extensions["engine"].dispose()


BRANCH = '''"""{name}"""

import sqlalchemy as sa
from alembic import op

revision = "{name}"
down_revision = "{parent}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{name}_t", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("{name}_t")
'''


def test_two_branches_meet_and_are_merged_not_rewritten(scratch, tmp_path, monkeypatch):
    """The README's rule, on a copy of the history: two revisions on the same parent give two heads;
    a database can run either or both; `db-merge` joins them without touching either file."""
    url, engine = scratch
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    head = migrate.script_directory().get_current_head()
    for name in ("9001_left", "9002_right"):
        (copy / "versions" / f"{name}.py").write_text(BRANCH.format(name=name, parent=head))
    assert sorted(migrate.script_directory().get_heads()) == ["9001_left", "9002_right"]

    migrate.upgrade(url, "9001_left")
    assert migrate.upgrade(url, "9002_right") == []  # two rows, two real heads: no repair
    assert _versions(engine) == ["9001_left", "9002_right"]

    merged = migrate.merge_heads("join left and right", rev_id="9003_merge")
    assert merged == "9003_merge" and migrate.script_directory().get_heads() == ["9003_merge"]
    assert "9001_left" in migrate.script_directory().get_revision("9003_merge").down_revision
    migrate.upgrade(url)
    assert _versions(engine) == ["9003_merge"]
    assert {"9001_left_t", "9002_right_t"} <= set(inspect(engine).get_table_names())
    with pytest.raises(migrate.MigrationError, match="nothing to merge"):
        migrate.merge_heads("again")
