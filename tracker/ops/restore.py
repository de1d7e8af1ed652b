"""Restore from a backup archive (tracker.ops.backup): check the whole archive first, then load
the database in one step and put the kept files back. A truncated, altered or foreign file is
refused before anything is touched."""

import hashlib
import json
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text

from tracker import clock, migrate
from tracker.ops import backup, dumps


class RestoreRefused(RuntimeError):
    """Nothing was changed; the message says why (Chinese, for the operator)."""


@dataclass
class Checked:
    manifest: dict
    folder: Path  # every member, extracted and verified


def _refuse(message: str) -> RestoreRefused:
    return RestoreRefused(f"{message}，未做任何改动")


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _read_manifest(tar: tarfile.TarFile) -> dict:
    first = tar.next()
    if first is None or first.name != backup.MANIFEST or not first.isfile():
        raise _refuse("这不是本系统的备份文件（缺少备份清单）")
    try:
        manifest = json.loads(tar.extractfile(first).read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise _refuse("备份清单无法读取（文件已损坏）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != backup.FORMAT:
        raise _refuse("这不是本系统的备份文件")
    if manifest.get("version") != backup.VERSION:
        raise _refuse(f"备份格式版本 {manifest.get('version')} 不受支持")
    return manifest


def verify(archive: Path, folder: Path) -> Checked:
    """Extract every member into `folder`, checking each against the manifest's size and
    SHA-256; any missing, extra, truncated or changed member refuses the archive."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            manifest = _read_manifest(tar)
            expected = {m["name"]: m for m in manifest.get("members", [])}
            seen: set[str] = set()
            while (member := tar.next()) is not None:
                if not member.isfile() or not _safe(member.name) or member.name not in expected:
                    raise _refuse(f"备份中有清单之外的内容（{member.name}）")
                digest = hashlib.sha256()
                out = folder / member.name
                out.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as source, out.open("wb") as sink:
                    for block in iter(lambda s=source: s.read(1 << 20), b""):
                        digest.update(block)
                        sink.write(block)
                want = expected[member.name]
                if out.stat().st_size != want["size"] or digest.hexdigest() != want["sha256"]:
                    raise _refuse(f"备份中的 {member.name} 与清单不符（文件已损坏）")
                seen.add(member.name)
    except (tarfile.TarError, EOFError, OSError, zlib.error):
        raise _refuse("备份文件不完整或不是本系统的备份（无法读完）") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise _refuse(f"备份文件不完整：缺少 {len(missing)} 个部分（如 {missing[0]}）")
    return Checked(manifest, folder)


def _check_target(app: Flask, manifest: dict, replace: bool) -> None:
    url = app.config["DATABASE_URL"]
    kind = dumps.dialect(url)
    if manifest.get("dialect") != kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise _refuse(
            f"备份来自 {names.get(manifest.get('dialect'), '未知')} 数据库，"
            f"不能恢复到当前的 {names[kind]} 数据库"
        )
    known = {
        s.revision
        for s in ScriptDirectory.from_config(migrate.alembic_config(url)).walk_revisions()
    }
    if manifest.get("revision") and manifest["revision"] not in known:
        raise _refuse(
            f"备份来自更新版本的程序（数据库结构 {manifest['revision']}），请先把程序升级到同一版本"
        )
    if replace:
        return
    engine = app.extensions["engine"]
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n not in dumps.SKIP_COUNT]
        filled = [n for n in names if conn.execute(text(f'SELECT 1 FROM "{n}" LIMIT 1')).first()]
    if filled:
        raise _refuse(
            f"目标数据库已有数据（{len(filled)} 张表不为空，如 {filled[0]}）；"
            "确需用备份覆盖时请加 --replace"
        )


def _restore_files(app: Flask, checked: Checked) -> list[str]:
    """Each store gets exactly the backed-up files; what it held before is moved aside."""
    notes = []
    current = {s.name: s.path for s in backup.stores(app)}
    stamp = clock.local(clock.now_utc()).strftime("%Y%m%d-%H%M%S")
    for name in checked.manifest.get("stores", []):
        target = current.get(name)
        source = checked.folder / "files" / name
        if target is None:
            notes.append(f"文件库 {name} 在当前配置中不存在，其文件未恢复（仍在备份中）")
            continue
        if target.exists() and any(target.iterdir()):
            aside = target.with_name(f"{target.name}.before-restore-{stamp}")
            target.rename(aside)
            notes.append(f"文件库 {name} 原有文件已移到 {aside}")
        elif target.exists():
            target.rmdir()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target)
    return notes


def restore(app: Flask, archive: Path, *, replace: bool = False) -> list[str]:
    """Check, then load. Returns notes for the operator; raises RestoreRefused (nothing changed)."""
    archive = Path(archive)
    if not archive.is_file():
        raise _refuse(f"找不到备份文件 {archive}")
    url = app.config["DATABASE_URL"]
    work_parent = dumps.sqlite_path(url).parent if dumps.dialect(url) == "sqlite" else None
    if work_parent is not None:
        work_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=work_parent) as folder:
        checked = verify(archive, Path(folder))
        manifest = checked.manifest
        _check_target(app, manifest, replace)
        db_file = checked.folder / backup.DB_MEMBER[manifest["dialect"]]
        counts = manifest.get("tables", {})
        engine = app.extensions["engine"]
        try:
            if manifest["dialect"] == "sqlite":
                dumps.check_sqlite_copy(db_file, counts)
                engine.dispose()  # no pooled connection of ours holds the old file open
                dumps.load_sqlite(db_file, url)
            else:
                engine.dispose()
                dumps.load_postgres(engine, db_file, url, counts)
        except dumps.DumpError as exc:
            raise RestoreRefused(str(exc)) from None
        notes = _restore_files(app, checked)
    created = manifest.get("created_at", "?")
    total = sum(counts.values())
    return [f"已从 {created} 的备份恢复：{len(counts)} 张表，共 {total} 行", *notes]
