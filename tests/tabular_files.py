"""Hand-made XLSX files for the reader's tests and benchmark: minimal valid packages with a sheet
XML of our choosing, decompression bombs built in streaming (never held whole in memory), and a
zip whose directory lies about a part's size."""

import io
import struct
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{R}"><sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{R}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
EMPTY_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>'
)


def _skeleton(z: zipfile.ZipFile) -> None:
    z.writestr("[Content_Types].xml", CONTENT_TYPES)
    z.writestr("_rels/.rels", ROOT_RELS)
    z.writestr("xl/workbook.xml", WORKBOOK)
    z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)


def xlsx(sheet_body: str, *, dimension: str = "") -> bytes:
    """A valid XLSX whose one sheet holds `sheet_body` (the <sheetData> and anything around it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        _skeleton(z)
        z.writestr("xl/sharedStrings.xml", EMPTY_STRINGS)
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        z.writestr("xl/worksheets/sheet1.xml", f"{SHEET_HEAD}{dim}{sheet_body}</worksheet>")
    return buffer.getvalue()


def cells(rows: list[list[str]]) -> str:
    """<sheetData> with inline strings; a cell given as ("=F", "v") is a formula with a saved
    value, ("=F", None) a formula without one."""
    out = ["<sheetData>"]
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, tuple):
                formula, saved = value
                v = f"<v>{saved}</v>" if saved is not None else ""
                out.append(f'<c r="{ref}"><f>{formula}</f>{v}</c>')
            elif value != "":
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData>")
    return "".join(out)


def bomb(inflated_mb: int, part: str = "xl/sharedStrings.xml") -> bytes:
    """An XLSX with one part that inflates to `inflated_mb` MB of repeated text (a few hundred KB
    on disk), written chunk by chunk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        _skeleton(z)
        z.writestr("xl/worksheets/sheet1.xml", f"{SHEET_HEAD}<sheetData/></worksheet>")
        with z.open(part, "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0"?><sst xmlns="x"><si><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(inflated_mb):
                out.write(chunk)
            out.write(b"</t></si></sst>")
    return buffer.getvalue()


def lying_directory(inflated_mb: int) -> bytes:
    """A bomb whose zip directory claims its big part is 1 KB: the reader must not believe the
    claim to its cost (Python's zipfile stops at the declared size and reports damage)."""
    data = bytearray(bomb(inflated_mb))
    name = b"xl/sharedStrings.xml"
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name:
            extra_len = struct.unpack_from("<H", data, at + 30)[0]
            struct.pack_into("<I", data, at + 24, 1024)  # uncompressed size
            extra = at + 46 + name_len
            # force_zip64 put the real sizes in a zip64 extra field: lie there too
            if extra_len and data[extra : extra + 2] == b"\x01\x00":
                struct.pack_into("<Q", data, extra + 4, 1024)
            break
        at += 4
    return bytes(data)
