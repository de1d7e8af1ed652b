"""A zip archive (XLSX, and any later zipped upload) checked from its directory before it is opened.

Python's zipfile never inflates a member past the size its directory declares (it stops there and
reports a damaged file), so checking the declared sizes bounds what any later reader can inflate."""

import io
import zipfile

from tracker.tabular.limits import MB, Limits


class ArchiveError(ValueError):
    """The archive is damaged or would inflate past the caps (a Chinese message for the user)."""


def check_archive(data: bytes, limits: Limits, *, kind: str = "XLSX") -> None:
    """Refuse, before anything is decompressed, an archive that is damaged, holds too many parts,
    inflates past `limits.max_uncompressed_bytes` or compresses suspiciously well."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"{kind} 文件已损坏或不是有效的 Excel 文件") from exc
    if len(members) > limits.max_archive_members:
        raise ArchiveError(
            f"{kind} 文件内部包含 {len(members):,} 个部件，超过上限 {limits.max_archive_members:,}："
            "这不像正常的表格文件，已拒绝读取"
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise ArchiveError(
            f"{kind} 文件解压后约 {_mb(total)} MB，超过上限 {_mb(limits.max_uncompressed_bytes)} MB，"
            "已拒绝读取：请只保留需要上传的工作表和数据，另存后再上传"
        )
    for member in members:
        if member.file_size <= limits.ratio_grace_bytes:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise ArchiveError(
                f"{kind} 文件的压缩比异常（约 {ratio:,.0f} 倍，正常表格不超过"
                f" {limits.max_compression_ratio} 倍），可能是恶意构造的文件，已拒绝读取"
            )


def _mb(size: int) -> str:
    return f"{size / MB:,.0f}" if size >= 10 * MB else f"{size / MB:,.1f}"
