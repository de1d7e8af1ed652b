"""Real image files made in the test: phone-like JPEGs with EXIF (orientation, shooting time,
GPS), PNG, HEIC, a PDF renamed .jpg, a PNG decompression bomb, an oversized file."""

import io
import random
import struct
import zlib
from datetime import datetime
from fractions import Fraction

from PIL import Image


def _dms(value: float) -> tuple:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10000)
    return (Fraction(degrees), Fraction(minutes), seconds)


def jpeg(
    size=(400, 300),
    color=(200, 120, 40),
    *,
    orientation: int | None = None,
    taken: datetime | None = None,
    gps: tuple[float, float] | None = None,
    noise: bool = False,
    quality: int = 90,
) -> bytes:
    image = Image.new("RGB", size, color)
    if noise:
        rng = random.Random(7)
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        # a marker in the top-left corner, to see where rotation put it
        image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if gps:
        lat, lon = gps
        exif.get_ifd(0x8825).update(
            {1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if lon >= 0 else "W", 4: _dms(lon)}
        )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def png(size=(320, 240), mode="RGBA") -> bytes:
    image = Image.new(mode, size, (10, 160, 60, 128) if mode == "RGBA" else (10, 160, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def heic(size=(320, 240)) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (90, 90, 200)).save(out, format="HEIF")
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real decompression bomb: a valid grey PNG of width×height zero pixels whose compressed
    data is a few hundred kilobytes (400 MB once inflated)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    parts = []
    block = row * 50
    for _ in range(height // 50):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = jpeg((800, 600), noise=True)
    return data[: len(data) // 2]


def big_file(megabytes: int) -> bytes:
    """A JPEG header followed by filler: `megabytes` MB (the size check answers first)."""
    head = jpeg((16, 16))
    return head + b"\x00" * (megabytes * 1024 * 1024 - len(head))
