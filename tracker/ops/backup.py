"""Backups: one archive (tar + gzip) holding a manifest, the database dump and every kept file.

The manifest comes first and lists every other member with its size and SHA-256, so a restore
can prove the archive whole (not truncated, not altered, not someone else's file) before it
touches anything. Layout:

    MANIFEST.json            format, version, dialect, schema revision, row counts, members
    database.sqlite | database.pgdump
    files/<store>/<path>     each registered file store (extend.add_file_store), e.g. briefs
"""

import hashlib
import io
import json
import logging
import os
import re
import shutil
import socket
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask

from tracker import clock, extend
from tracker.ops import dumps

log = logging.getLogger(__name__)

FORMAT = "tracker-backup"
VERSION = 1
MANIFEST = "MANIFEST.json"
DB_MEMBER = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
SCHEDULED_NAME = re.compile(r"^tracker-backup-(\d{8})-\d{6}\.tar\.gz$")


@dataclass(frozen=True)
class Store:
    name: str
    path: Path


def stores(app: Flask) -> list[Store]:
    """Every folder of kept files: the registered stores, plus any other setting naming a folder
    (…_DIR) so a store added by configuration alone is not forgotten. The backup folder itself
    is never part of a backup."""
    found: dict[str, Store] = {}
    for store in extend.file_stores(app):
        found[store.name] = Store(store.name, Path(store.path(app)))
    for key, value in app.config.items():
        if key.endswith("_DIR") and key != "BACKUP_DIR" and isinstance(value, str) and value:
            name = key.removesuffix("_DIR").lower()
            known = {s.path.resolve() for s in found.values()}
            if Path(value).resolve() not in known:
                found.setdefault(name, Store(name, Path(value)))
    return sorted(found.values(), key=lambda s: s.name)


def backup_dir(app: Flask) -> Path:
    return Path(app.config.get("BACKUP_DIR") or Path(app.instance_path) / "backups")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_stores(app: Flask, work: Path) -> list[tuple[str, Path]]:
    """Snapshot the stores into the work folder (files written meanwhile cannot tear the backup)."""
    members = []
    for store in stores(app):
        if not store.path.is_dir():
            continue
        for source in sorted(p for p in store.path.rglob("*") if p.is_file()):
            if source.name.endswith((".part", ".partial")):
                continue  # a file being written right now
            relative = source.relative_to(store.path).as_posix()
            copy = work / "files" / store.name / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
            members.append((f"files/{store.name}/{relative}", copy))
    return members


def create(app: Flask, target: Path) -> dict:
    """Write a backup archive to `target` (through a temporary name; mode 0600). Returns the
    manifest."""
    url = app.config["DATABASE_URL"]
    kind = dumps.dialect(url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as folder:
        work = Path(folder)
        db_file = work / DB_MEMBER[kind]
        if kind == "sqlite":
            counts, revision = dumps.dump_sqlite(url, db_file)
        else:
            counts, revision = dumps.dump_postgres(app.extensions["engine"], url, db_file)
        members = [(DB_MEMBER[kind], db_file), *_copy_stores(app, work)]
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": clock.now_utc().isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "dialect": kind,
            "revision": revision,
            "tables": counts,
            "stores": sorted(
                {name.split("/")[1] for name, _ in members if name.startswith("files/")}
            ),
            "members": [
                {"name": name, "size": path.stat().st_size, "sha256": _sha256(path)}
                for name, path in members
            ],
        }
        partial = target.with_name(target.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=1) as tar,
        ):
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
        partial.replace(target)
    return manifest


def prune(folder: Path, keep_days: int, today: date) -> list[Path]:
    """Remove scheduled backups older than `keep_days` (by the date in their name)."""
    removed = []
    oldest = today - timedelta(days=keep_days - 1)
    for path in sorted(folder.glob("tracker-backup-*.tar.gz")):
        match = SCHEDULED_NAME.match(path.name)
        if match and datetime.strptime(match.group(1), "%Y%m%d").date() < oldest:
            path.unlink()
            removed.append(path)
    return removed


def scheduled_backup(app: Flask, today: date) -> Path:
    """The daily job (tracker/jobs.py): a backup into BACKUP_DIR, then old ones pruned."""
    folder = backup_dir(app)
    stamp = clock.local(clock.now_utc()).strftime("%Y%m%d-%H%M%S")
    path = folder / f"tracker-backup-{stamp}.tar.gz"
    with app.app_context():
        create(app, path)
    removed = prune(folder, int(app.config["BACKUP_KEEP_DAYS"]), today)
    log.info("backup written to %s; %d old backups removed", path, len(removed))
    return path
