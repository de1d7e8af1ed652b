"""Export projects as CSV (UTF-8 with BOM, for Excel/WPS) or XLSX, in the columns import reads back.

The XLSX prints like the bureau's own table: the source table's ten columns on landscape A4 pages
with the header repeated and a 合计 row; the tracker's structured columns follow them in the file
(outside the print area) so that the export imports back unchanged."""

from datetime import date
from decimal import Decimal

from tracker.dataio.columns import ALL_COLUMNS, SOURCE_COLUMNS
from tracker.money import FEN_PER_YI, MoneyError, parse_amount, plain
from tracker.projects.models import PRECISIONS
from tracker.tabular import Column, Sheet, csv_bytes, workbook

# Width (Excel units) and kind of each column; the rest are one-line text of width 12.
LAYOUT = {
    "seq_no": (5, "text"),
    "name": (22, "long"),
    "period_text": (10, "text"),
    "subdistrict": (9, "long"),
    "content_text": (44, "long"),
    "total": (9, "amount"),
    "window": (11, "amount"),
    "builder": (14, "long"),
    "government_text": (12, "long"),
    "remarks": (9, "long"),
    "site_text": (30, "text"),
    "location_source": (30, "text"),
    "source_doc": (20, "text"),
    "curation_note": (30, "text"),
}
COLUMNS = [Column(spec.header, *LAYOUT.get(spec.key, (12, "text"))) for spec in ALL_COLUMNS]


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


def _exact_yi(fen: int) -> str:
    """The exact amount in 亿元: two decimals, more only when the fen need them (77.80, 0.0000000001)."""
    value = Decimal(fen) / FEN_PER_YI
    two = value.quantize(Decimal("0.01"))
    return str(two) if two == value else format(value.normalize(), "f")


def total_row(projects) -> list:
    """The 合计 row, computed here: 「合计」 under 序号 (where import recognises it) and exact sums."""
    values = {
        "seq_no": "合计",
        "name": f"{len(projects)} 个项目",
        "total": _exact_yi(sum(p.total_investment_fen or 0 for p in projects)),
        "window": _exact_yi(sum(p.window_investment_fen or 0 for p in projects)),
    }
    return [values.get(spec.key) for spec in ALL_COLUMNS]


def to_csv(projects) -> bytes:
    return csv_bytes(
        [spec.header for spec in ALL_COLUMNS],
        ([_text(v) for v in project_row(p)] for p in projects),
    )


def to_xlsx(projects, *, as_of: date, jurisdiction: str, scope: str = "全部项目") -> bytes:
    projects = list(projects)
    sheet = Sheet(
        name="项目清单",
        title="学校建设项目清单",
        columns=COLUMNS,
        # Every cell is written as text so amounts keep their exact printed form.
        rows=([_text(v) for v in project_row(p)] for p in projects),
        total=total_row(projects),
        unit="亿元",
        scope=scope,
        frozen_columns=2,  # 序号, 项目名称
        printed_columns=len(SOURCE_COLUMNS),
    )
    return workbook([sheet], jurisdiction=jurisdiction, as_of=as_of)
