"""Backup and restore (flask backup / restore) on the database under test (SQLite, or PostgreSQL
when TEST_DATABASE_URL says so): a round trip into an empty database gives back every table row
for row and every kept file byte for byte, and the app serves the restored data; a truncated,
altered or foreign archive, or a target that already holds data, is refused with nothing changed."""

import io
import json
import tarfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import report_files
from conftest import PASSWORD, TEST_ACTOR, FormClient
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from tracker import create_app
from tracker.accounts.models import LoginThrottle
from tracker.accounts.services import assign
from tracker.accounts.tokens import create_token
from tracker.alerts.services import scan
from tracker.finance.models import FinanceSheet, FundingSource, InvestmentMonth, InvestmentYear
from tracker.ops import backup, runs
from tracker.ops.models import JobRun
from tracker.projects.models import Project
from tracker.reports import photos, services, snapshots
from tracker.reports.photos import store_dir
from tracker.targets.models import Target, TargetLink

SECRET = "test-only-secret-key-0123456789abcdef"


def _fill_every_table(app, db, runner, auth):
    """The seed portfolio and something in every other table, as the app itself writes it."""
    result = runner.invoke(args=["load-targets"])
    assert result.exit_code == 0, result.output
    projects = db.exec(select(Project).order_by(Project.id)).scalars().all()
    first = projects[0]
    user = auth.make_user("pm", username="王工", projects=[first])
    assign(db, actor=TEST_ACTOR, user=auth.make_user("finance"), project_id=projects[1].id)
    with app.app_context():
        create_token(db, actor=TEST_ACTOR, user=user, name="报表")
    db.add(LoginThrottle(key="user:王工", failures=2, last_failure_at=datetime(2026, 3, 1, 8)))
    db.add(
        InvestmentYear(project_id=first.id, year=2025, planned_fen=12_345_678_91, completed_fen=1)
    )
    db.add(InvestmentMonth(project_id=first.id, year=2025, month=3, planned_fen=5, completed_fen=7))
    db.add(
        FundingSource(project_id=first.id, source="专项债", amount_fen=99_999_999_99, note="一期")
    )
    db.add(FinanceSheet(project_id=first.id, version=3))
    target = db.exec(select(Target).order_by(Target.id)).scalars().first()
    db.add(
        TargetLink(target_id=target.id, project_id=first.id, kind="include", created_by="管理员")
    )
    with app.app_context():
        scan(db, date(2025, 3, 10))
    db.add(JobRun(job_id="daily-backup", run_key="2026-03-10T02:15:00+08:00", outcome="ok"))
    db.commit()
    runs.beat(app.extensions["engine"], datetime(2026, 3, 10, 1, 0))
    _file_a_report(app, db, first)
    briefs = Path(app.instance_path) / "briefs"
    (briefs / "2026").mkdir(parents=True)
    (briefs / "latest.pdf").write_bytes(b"%PDF-1.4 latest \x00\xff")
    (briefs / "2026" / "项目总体简报-2026-03-09.pdf").write_bytes(b"%PDF-1.4 weekly")
    return first


def _file_a_report(app, db, project):
    """A monthly report with a site photo (its files in the photo store) and a month snapshot."""
    limits = photos.Limits(15 * 2**20, 64_000_000, 1600, 320)
    photo = services.NewPhoto(photos.process(report_files.jpeg(), limits), "东立面", "现场.jpg")
    with app.app_context():
        report = services.create(
            db,
            actor=TEST_ACTOR,
            project=project,
            period="2026-02",
            data=services.ReportInput(
                {
                    "progress_text": "主体施工",
                    "progress_percent": 40,
                    "month_completed_fen": 1_000_000,
                    "cumulative_fen": 5_000_000,
                },
                [photo],
            ),
            today=date(2026, 3, 10),
            root=store_dir(app),
            max_photos=20,
        )
        services.submit(db, actor=TEST_ACTOR, report=report, today=date(2026, 3, 10))
        snapshots.take(db, "2026-02", today=date(2026, 3, 11), actor=TEST_ACTOR)
    db.commit()


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every table, every row, in primary-key order (the comparison is table by table)."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {
                name: [
                    tuple(r)
                    for r in conn.execute(
                        select(table).order_by(*(table.primary_key.columns or table.columns))
                    )
                ]
                for name, table in sorted(meta.tables.items())
            }
    finally:
        engine.dispose()


@pytest.fixture
def empty_url(database_url, tmp_path):
    """A second database with nothing in it: a new file, or a new PostgreSQL database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored' / 'tracker.db'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restore"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        _drop(admin, name)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        _drop(admin, name)
    finally:
        admin.dispose()


def _drop(admin, name: str) -> None:
    """DROP DATABASE (without FORCE: that would also have to terminate autovacuum, which only a
    superuser may; PostgreSQL cancels autovacuum by itself), retried while a closing connection
    of ours lingers."""
    for attempt in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            return
        except Exception:
            if attempt == 19:
                raise
            time.sleep(0.5)


def _second_app(url: str, instance: Path):
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET})
    app.instance_path = str(instance)
    return app


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_round_trip_into_an_empty_database(app, db, runner, auth, seeded, empty_url, tmp_path):
    first = _fill_every_table(app, db, runner, auth)
    archive = tmp_path / "nightly.tar.gz"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and archive.stat().st_mode & 0o777 == 0o600
    before = _rows(app.config["DATABASE_URL"])
    empty = [name for name, rows in before.items() if not rows]
    assert empty == [], f"fill these tables too: {empty}"

    other = _second_app(empty_url, tmp_path / "restored-instance")
    restored = other.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "已从" in restored.output
    after = _rows(empty_url)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], f"table {name} differs after restore"
    assert _files(Path(other.instance_path) / "briefs") == _files(
        Path(app.instance_path) / "briefs"
    )
    assert _files(store_dir(other)) == _files(store_dir(app)) != {}

    # The app serves the restored data: the PM signs in with the password they had, sees the
    # portfolio, and new rows get fresh ids (sequences came back too).
    client = FormClient(other.test_client())
    response = client.post_form("/login", {"username": "王工", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(f"/projects/{first.code}").get_data(as_text=True)
    assert first.name in page
    summary = client.get("/api/summary").get_json()
    assert summary["count"] == 35 and summary["total_investment_yi"] == "77.80"
    with other.extensions["engine"].begin() as conn:
        conn.execute(
            text("INSERT INTO job_run (job_id, run_key, host, pid, started_at, outcome, detail) "
                 "VALUES ('x', 'y', 'h', 1, :t, 'ok', '')"),
            {"t": datetime(2026, 3, 11)},
        )  # fmt: skip
    other.extensions["engine"].dispose()


def test_a_target_holding_data_is_refused_unless_replaced(app, db, runner, seeded, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    project = db.exec(select(Project).order_by(Project.id)).scalars().first()
    db.add(FundingSource(project_id=project.id, source="后加", amount_fen=1))
    db.commit()
    before = _rows(app.config["DATABASE_URL"])
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code == 1
    assert "目标数据库已有数据" in refused.output and "未做任何改动" in refused.output
    assert _rows(app.config["DATABASE_URL"]) == before
    replaced = runner.invoke(args=["restore", "--replace", str(archive)])
    assert replaced.exit_code == 0, replaced.output
    assert "后加" not in {r[2] for r in _rows(app.config["DATABASE_URL"])["funding_source"]}


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def _bad_archives(good: bytes) -> dict[str, bytes]:
    members = _members(good)
    manifest = json.loads(members.pop("MANIFEST.json"))
    altered = dict(manifest, members=[dict(m, sha256="0" * 64) for m in manifest["members"]])
    return {
        "truncated": good[: len(good) // 2],
        "truncated near the end": good[:-200],
        "empty": b"",
        "a text file": "项目编号,项目名称\nP1,测试\n".encode(),
        "someone else's archive": _tar({"README": b"hello", "data.sql": b"DROP TABLE x;"}),
        "another program's manifest": _tar({"MANIFEST.json": b'{"format": "other"}'}),
        "checksums that do not match": _tar(
            {"MANIFEST.json": json.dumps(altered).encode()} | members
        ),
        "a member missing": _tar({"MANIFEST.json": json.dumps(manifest).encode()}),
        "a newer program's schema": _tar(
            {
                "MANIFEST.json": json.dumps(
                    dict(manifest, revision="9999_future", members=[])
                ).encode()
            }
        ),
        "the other database kind": _tar(
            {
                "MANIFEST.json": json.dumps(
                    dict(
                        manifest,
                        members=[],
                        dialect="sqlite" if manifest["dialect"] == "postgresql" else "postgresql",
                    )
                ).encode()
            }
        ),
    }


def test_broken_or_foreign_files_are_refused_before_anything_is_touched(
    app, db, runner, seeded, empty_url, tmp_path
):
    archive = tmp_path / "good.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    other = _second_app(empty_url, tmp_path / "restored-instance")
    other_runner = other.test_cli_runner()
    for label, data in _bad_archives(archive.read_bytes()).items():
        bad = tmp_path / "bad.tar.gz"
        bad.write_bytes(data)
        result = other_runner.invoke(args=["restore", str(bad)])
        assert result.exit_code == 1, (label, result.output)
        assert "恢复被拒绝" in result.output and "未做任何改动" in result.output, label
        tables = _rows(empty_url)
        assert all(not rows for rows in tables.values()), f"{label}: the target was touched"
        assert not (Path(other.instance_path) / "briefs").exists(), label
    # The good archive still restores.
    assert other_runner.invoke(args=["restore", str(archive)]).exit_code == 0
    other.extensions["engine"].dispose()


def test_the_scheduled_backup_keeps_n_days(app, seeded, tmp_path):
    folder = tmp_path / "backups"
    app.config.update(BACKUP_DIR=str(folder), BACKUP_KEEP_DAYS=3)
    folder.mkdir()
    for day in ("20260301", "20260306", "20260308"):
        (folder / f"tracker-backup-{day}-021500.tar.gz").write_bytes(b"old")
    (folder / "hand-made.tar.gz").write_bytes(b"kept: not made by the job")
    made = backup.scheduled_backup(app, date(2026, 3, 8))
    names = sorted(p.name for p in folder.iterdir())
    assert made.name in names and "hand-made.tar.gz" in names
    assert "tracker-backup-20260301-021500.tar.gz" not in names
    assert "tracker-backup-20260306-021500.tar.gz" in names  # 6, 7, 8 March are kept
    manifest = json.loads(_members(made.read_bytes())["MANIFEST.json"])
    assert manifest["tables"]["project"] == 35


def test_file_stores_are_pluggable(app):
    from tracker.extend import FileStore, add_file_store

    add_file_store(app, FileStore("photos", lambda a: Path(a.instance_path) / "photos"))
    app.config["SCANS_DIR"] = "/srv/scans"
    names = {s.name: s.path for s in backup.stores(app)}
    assert names["photos"] == Path(app.instance_path) / "photos"
    assert names["briefs"] == Path(app.instance_path) / "briefs"
    assert names["scans"] == Path("/srv/scans")
    assert "backup" not in names


def test_money_survives_to_the_fen(app, db, runner, seeded, empty_url, tmp_path):
    total = db.exec(text("SELECT SUM(total_investment_fen) FROM project")).one()[0]
    assert Decimal(total) / 10**10 == Decimal("77.8")  # 77.80 亿元
    archive = tmp_path / "m.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    other = _second_app(empty_url, tmp_path / "r")
    assert other.test_cli_runner().invoke(args=["restore", str(archive)]).exit_code == 0
    with other.extensions["engine"].connect() as conn:
        assert conn.execute(text("SELECT SUM(total_investment_fen) FROM project")).scalar() == total
    other.extensions["engine"].dispose()
