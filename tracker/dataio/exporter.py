"""Export projects as CSV (UTF-8 with BOM, for Excel/WPS) or XLSX, in the columns import reads back."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.dataio.columns import ALL_COLUMNS
from tracker.dataio.tables import looks_like_formula
from tracker.money import MoneyError, parse_amount, plain
from tracker.projects.models import PRECISIONS


def safe_cell(text: str) -> str:
    """Text that Excel/WPS will not run as a formula: a leading apostrophe neutralises it.

    Text already behind an apostrophe (「'=…」) gets one more, so that import, which removes
    exactly one, gives back what was stored."""
    return "'" + text if looks_like_formula(text) else text


def _amount(project, key: str) -> str:
    fen = getattr(project, f"{key}_investment_fen")
    original = getattr(project, f"{key}_investment_text")
    try:
        if original.strip() and parse_amount(original, "亿元") == fen:
            return original
    except MoneyError:
        pass
    return plain(fen, "亿元")


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def project_row(p) -> list:
    values = {
        "seq_no": p.seq_no,
        "name": p.name,
        "period_text": p.period_text,
        "subdistrict": p.subdistrict,
        "content_text": p.content_text,
        "total": _amount(p, "total"),
        "window": _amount(p, "window"),
        "builder": p.builder,
        "government_text": p.government_text or _yes_no(p.is_government),
        "remarks": p.remarks,
        "code": p.code,
        "stage": p.stage,
        "nature": p.nature,
        "ownership": p.ownership,
        "province": p.province,
        "city": p.city,
        "district": p.district,
        "site_text": p.site_text,
        "classes_total": p.classes_total,
        "classes_added": p.classes_added,
        "sections_text": p.sections_text,
        "land_area_m2": p.land_area_m2,
        "land_is_additional": _yes_no(p.land_is_additional),
        "floor_area_m2": p.floor_area_m2,
        "area_is_approximate": _yes_no(p.area_is_approximate),
        "declared_seats": p.declared_seats,
        "lat": p.lat,
        "lon": p.lon,
        "location_precision": PRECISIONS.get(p.location_precision, ""),
        "location_source": p.location_source,
        "status": p.status,
        "source_doc": p.source_doc,
        "source_line": p.source_line,
        "curation_note": p.curation_note,
    }
    return [values[spec.key] for spec in ALL_COLUMNS]


def _text(value) -> str:
    return "" if value is None else str(value)


def to_csv(projects) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spec.header for spec in ALL_COLUMNS])
    for p in projects:
        writer.writerow([safe_cell(_text(v)) for v in project_row(p)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def to_xlsx(projects, title: str = "项目清单") -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([spec.header for spec in ALL_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for p in projects:
        # Every cell is written as text so amounts keep their exact printed form.
        sheet.append([safe_cell(_text(v)) for v in project_row(p)])
    sheet.freeze_panes = "A2"
    widths = {"name": 32, "content_text": 48, "builder": 20, "location_source": 30, "site_text": 30}
    for position, spec in enumerate(ALL_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = widths.get(spec.key, 12)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
