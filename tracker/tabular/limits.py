"""How much an upload may hold: checked before anything is decompressed or parsed."""

from collections.abc import Mapping
from dataclasses import dataclass

from tracker.config import DEFAULTS

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps for reading one uploaded table (settings `UPLOAD_*`, see the README)."""

    max_uncompressed_bytes: int = int(DEFAULTS["UPLOAD_MAX_UNCOMPRESSED_MB"]) * MB
    max_compression_ratio: int = int(DEFAULTS["UPLOAD_MAX_COMPRESSION_RATIO"])
    max_rows: int = int(DEFAULTS["UPLOAD_MAX_ROWS"])
    max_cells: int = int(DEFAULTS["UPLOAD_MAX_CELLS"])
    max_archive_members: int = 10_000
    # Parts smaller than this may compress as well as they like (styles, empty sheets).
    ratio_grace_bytes: int = MB

    @classmethod
    def from_settings(cls, settings: Mapping) -> "Limits":
        return cls(
            max_uncompressed_bytes=int(settings["UPLOAD_MAX_UNCOMPRESSED_MB"]) * MB,
            max_compression_ratio=int(settings["UPLOAD_MAX_COMPRESSION_RATIO"]),
            max_rows=int(settings["UPLOAD_MAX_ROWS"]),
            max_cells=int(settings["UPLOAD_MAX_CELLS"]),
        )
