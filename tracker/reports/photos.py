"""Site photos: checked with Pillow before anything is stored, kept once under their SHA-256
(the original, a display copy and a thumbnail, made once at upload), placed only after the
database row is written and removed again when that unit of work does not commit; read only
through views that check permissions; removed from disk only by the purge command."""

import hashlib
import io
import logging
import os
import re
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pillow_heif
from flask import Flask
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select
from sqlmodel import Session

from tracker.config import settings
from tracker.reports.models import ReportPhoto

log = logging.getLogger(__name__)
pillow_heif.register_heif_opener()  # HEIC from phones, decoded offline by the bundled libheif

# Pillow's format → (file extension, MIME type) of an original we keep.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "HEIF": ("heic", "image/heic"),
}
KINDS = ("original", "view", "thumb")
VIEW_MIME = "image/jpeg"
# What a refused file looks like, to say so (a PDF renamed .jpg is the common case).
SIGNATURES = [
    (b"%PDF", "PDF 文档"),
    (b"PK\x03\x04", "压缩包或 Office 文档"),
    (b"GIF8", "GIF 动图"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档"),
    (b"RIFF", "WebP 或音视频文件"),
    (b"MZ", "Windows 程序"),
    (b"<", "网页或文本文件"),
]
TEMP_AGE_SECONDS = 3600  # temp files older than this are leftovers of a crash


class PhotoError(ValueError):
    """A file that is not taken as a site photo; str() is the Chinese reason."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int
    display_px: int
    thumb_px: int

    @classmethod
    def from_settings(cls, app: Flask | None = None) -> "Limits":
        s = settings(app)
        return cls(
            s.report_photo_max_mb * 1024 * 1024,
            s.report_photo_max_pixels,
            s.report_photo_display_px,
            s.report_photo_thumb_px,
        )


@dataclass(frozen=True)
class Processed:
    """A checked photo, ready to store: its bytes, the two made copies and what EXIF said."""

    sha256: str
    ext: str
    original: bytes
    view: bytes
    thumb: bytes
    width: int
    height: int
    taken_at: datetime | None
    lat: float | None
    lon: float | None

    @property
    def size_bytes(self) -> int:
        return len(self.original)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _looks_like(data: bytes) -> str:
    head = data[:16].lstrip()
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            return f"（文件内容是{what}）"
    return ""


def _pixels(count: int) -> str:
    return f"{count / 10_000:,.0f} 万像素"


def process(data: bytes, limits: Limits) -> Processed:
    """Check one uploaded file and make its copies; raises PhotoError (nothing is written)."""
    if not data:
        raise PhotoError("文件是空的")
    if len(data) > limits.max_bytes:
        raise PhotoError(
            f"文件大小 {_megabytes(len(data))}，超过每张照片 {_megabytes(limits.max_bytes)} 的上限"
        )
    not_image = f"不是 JPEG、PNG 或 HEIC 格式的图片{_looks_like(data)}"
    with warnings.catch_warnings():
        # Pillow's own bomb check, at our cap: past it a warning (here an error), past twice
        # it an error. Our explicit check below answers first for any header it can read.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        Image.MAX_IMAGE_PIXELS = limits.max_pixels
        try:
            image = _open(data, limits)
            fmt = image.format
            exif = _exif(image)
            width, height = _oriented_size(image, exif)
            image = _decoded(image, limits)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            size = f"（约 {_pixels(int(found.group(1)))}）" if found else ""
            raise PhotoError(
                f"图片像素过多{size}，超过 {_pixels(limits.max_pixels)}的上限，可能是恶意构造的文件"
            ) from exc
        except (UnidentifiedImageError, SyntaxError, ValueError, TypeError) as exc:
            raise PhotoError(not_image) from exc
        except (OSError, EOFError) as exc:
            raise PhotoError(f"图片文件不完整或已损坏，无法读取{_looks_like(data)}") from exc
        except Exception as exc:  # a decoder's own surprise on a hostile file: refused, not a 500
            log.warning("photo refused by an unexpected decoder error: %r", exc)
            raise PhotoError(f"图片无法读取{_looks_like(data)}") from exc
    view = _jpeg(image, limits.display_px, quality=82)
    thumb = _jpeg(image, limits.thumb_px, quality=75)
    taken_at, lat, lon = _metadata(exif)
    return Processed(
        sha256=hashlib.sha256(data).hexdigest(),
        ext=FORMATS[fmt][0],
        original=data,
        view=view,
        thumb=thumb,
        width=width,
        height=height,
        taken_at=taken_at,
        lat=lat,
        lon=lon,
    )


def _open(data: bytes, limits: Limits):
    image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    width, height = image.size
    if width * height > limits.max_pixels:
        raise PhotoError(
            f"图片 {width}×{height} 像素（{_pixels(width * height)}），"
            f"超过 {_pixels(limits.max_pixels)}的上限"
        )
    if image.format == "PNG":
        image.verify()  # chunk checksums; the image must be opened again after verify()
        image = Image.open(io.BytesIO(data), formats=["PNG"])
    return image


def _exif(image):
    try:
        return image.getexif()
    except Exception:  # a broken EXIF block is not a broken photo
        return Image.Exif()


def _oriented_size(image, exif) -> tuple[int, int]:
    width, height = image.size
    orientation = exif.get(0x0112, 1) if exif else 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _decoded(image, limits: Limits):
    """Decode (reduced for a JPEG: only as large as the display copy needs), with the EXIF
    orientation applied and transparency laid on white."""
    if image.format == "JPEG":
        image.draft("RGB", (limits.display_px, limits.display_px))
    image.load()  # a truncated or corrupt file fails here
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _jpeg(image, longest: int, quality: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((longest, longest))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _metadata(exif) -> tuple[datetime | None, float | None, float | None]:
    """Shooting time (the camera's clock) and the GPS point, when the photo has them."""
    try:
        taken = _taken_at(exif)
    except Exception:
        taken = None
    try:
        lat, lon = _gps(exif)
    except Exception:
        lat, lon = None, None
    return taken, lat, lon


def _taken_at(exif) -> datetime | None:
    inner = exif.get_ifd(0x8769)
    raw = inner.get(0x9003) or inner.get(0x9004) or exif.get(0x0132)
    if not raw:
        return None
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    return datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")


def _degrees(value, ref) -> float | None:
    if not value or len(value) != 3:
        return None
    degrees = float(value[0]) + float(value[1]) / 60 + float(value[2]) / 3600
    ref = ref.decode() if isinstance(ref, bytes) else str(ref or "")
    return -degrees if ref.strip("\x00 ").upper() in ("S", "W") else degrees


def _gps(exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(0x8825)
    lat, lon = _degrees(gps.get(2), gps.get(1)), _degrees(gps.get(4), gps.get(3))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    if lat == 0 and lon == 0:  # "no fix" written as zeros
        return None, None
    return round(lat, 7), round(lon, 7)


# --- the store on disk --------------------------------------------------------------------------


def store_dir(app: Flask | None = None) -> Path:
    """The folder of the photo store (REPORT_PHOTO_DIR, else instance/report-photos)."""
    from flask import current_app

    app = app or current_app
    configured = settings(app).report_photo_dir
    return Path(configured) if configured else Path(app.instance_path) / "report-photos"


def path(root: Path, sha256: str, kind: str, ext: str) -> Path:
    if kind not in KINDS or len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError("not a stored photo")
    name = {"original": f"{sha256}.{ext}", "view": f"{sha256}.view.jpg"}.get(
        kind, f"{sha256}.thumb.jpg"
    )
    return root / sha256[:2] / name


def mime(kind: str, ext: str) -> str:
    if kind != "original":
        return VIEW_MIME
    return next((m for e, m in FORMATS.values() if e == ext), "application/octet-stream")


_PENDING = "report_photos_pending"


def place(session: Session, root: Path, processed: list[Processed]) -> None:
    """After the photo rows are flushed: write each file to a temp name and rename it into
    place. When the session's transaction ends, a file this unit of work created is removed
    again unless a committed row refers to it (and a file a committed row needs is put back)."""
    pending: dict = session.info.setdefault(_PENDING, {})
    if not session.info.get("report_photos_listening"):
        event.listen(session, "after_transaction_end", _transaction_end)
        session.info["report_photos_listening"] = True
    session.info["report_photos_root"] = root
    for photo in processed:
        created = []
        for kind, data in (
            ("original", photo.original),
            ("view", photo.view),
            ("thumb", photo.thumb),
        ):
            target = path(root, photo.sha256, kind, photo.ext)
            if _write_new(target, data, root):
                created.append(target)
        entry = pending.setdefault(photo.sha256, {"photo": photo, "created": []})
        entry["created"] += created


def _write_new(target: Path, data: bytes, root: Path) -> bool:
    """Write `target` through a temp file and an atomic rename; False if it was already there."""
    if target.exists():
        return False
    temp_dir = root / ".tmp"
    temp_dir.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_dir / f"{uuid.uuid4().hex}.part"
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, target)
    return True


def _transaction_end(session: Session, transaction) -> None:
    if transaction.nested or transaction.parent is not None:
        return
    pending: dict = session.info.pop(_PENDING, {})
    if not pending:
        return
    root = session.info.get("report_photos_root")
    try:
        with session.get_bind().connect() as connection:
            kept = set(
                connection.execute(
                    select(ReportPhoto.sha256).where(ReportPhoto.sha256.in_(list(pending)))
                ).scalars()
            )
    except Exception:  # cannot tell: keep the files (the purge command tidies up)
        log.exception("could not check stored photos after a transaction; files kept")
        return
    for sha, entry in pending.items():
        photo: Processed = entry["photo"]
        if sha in kept:
            # Another unit of work may have removed a file this committed row needs.
            for kind, data in (
                ("original", photo.original),
                ("view", photo.view),
                ("thumb", photo.thumb),
            ):
                _write_new(path(root, sha, kind, photo.ext), data, root)
            continue
        for target in entry["created"]:
            target.unlink(missing_ok=True)


@dataclass(frozen=True)
class Purged:
    files: int
    bytes: int


def remove_unreferenced(root: Path, referenced: set[str], *, dry_run: bool = False) -> Purged:
    """Delete every stored file no photo row refers to, and temp files left by a crash."""
    files = size = 0
    if not root.exists():
        return Purged(0, 0)
    now = time.time()
    for item in root.rglob("*"):
        if not item.is_file():
            continue
        if item.parent.name == ".tmp":
            stale = now - item.stat().st_mtime > TEMP_AGE_SECONDS
            if not stale:
                continue
        elif item.name.split(".")[0] in referenced:
            continue
        files += 1
        size += item.stat().st_size
        if not dry_run:
            item.unlink(missing_ok=True)
    return Purged(files, size)


def stored_bytes(root: Path, sha256: str, ext: str) -> int:
    return sum(p.stat().st_size for kind in KINDS if (p := path(root, sha256, kind, ext)).exists())
