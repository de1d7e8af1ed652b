"""Benchmark of tracker.tabular, the one table reader/writer:

- the writer chosen by measurement: XlsxWriter constant-memory (what tracker.tabular uses) against
  openpyxl write-only, on a 10,000-row pivot (8 columns) and the 10,000-project table (34 columns),
  both with the same print layout and cell formats;
- an XLSX that inflates to 200 MB refused before parsing: time and memory;
- reading back a 10,000-project XLSX export.

Run: scripts/bench tabular."""

import io
import resource
import time
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from scripts.benchmarks.common import _AsProject, synthetic_projects, traced_peak
from tests.tabular_files import bomb
from tracker.dataio import exporter
from tracker.tabular import Column, Sheet, TableError, read_table, workbook

ROWS = 10_000
PIVOT = [Column("项目编号", 11), Column("项目名称", 28, "long")] + [
    Column(f"金额{i}（万元）", 14, "money") for i in range(5)
] + [Column("投资完成率（%）", 12, "rate")]  # fmt: skip


def row(name, value, unit, target="info") -> dict:
    return {"benchmark": name, "value": round(value, 3), "unit": unit, "target": target}


def pivot_rows():
    for i in range(ROWS):
        yield [f"BM-{i:06d}", f"城东第{i}小学（暂名）"] + [
            Decimal(10_000 + i * 7 + k) / 100 for k in range(5)
        ] + [Decimal("96.5")]  # fmt: skip


def with_xlsxwriter(columns, rows, total) -> bytes:
    sheet = Sheet("表", "基准", columns, rows, total=total, unit="万元", frozen_columns=2)
    return workbook([sheet], jurisdiction="绍兴市越城区", as_of=date(2026, 6, 1))


def with_openpyxl(columns, rows, total) -> bytes:
    """The same sheet through openpyxl's write-only mode: title, note, header, formats, page setup."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("表")
    side = Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side)
    font, bold = Font(name="宋体", size=10), Font(name="宋体", size=10, bold=True)
    wrap = Alignment(wrap_text=True, vertical="center")
    for i, c in enumerate(columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = c.width
    ws.freeze_panes = "C4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.append(["绍兴市越城区基准"])
    ws.append(["数据截至 2026年6月1日　单位：万元"])

    def cells(values, f):
        out = []
        for value, column in zip(values, columns, strict=True):
            cell = WriteOnlyCell(ws, value=value)
            cell.font, cell.border = f, border
            if column.kind == "long":
                cell.alignment = wrap
            elif column.kind in ("money", "rate"):
                cell.number_format = "#,##0.00"
            out.append(cell)
        return out

    ws.append(cells([c.header for c in columns], bold))
    for values in rows:
        ws.append(cells(values, font))
    ws.append(cells(total, bold))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed(func, *args) -> tuple[float, float, bytes]:
    """(wall seconds, CPU seconds, result): on a shared machine CPU time is the steadier figure."""
    began, cpu = time.perf_counter(), time.process_time()
    data = func(*args)
    return time.perf_counter() - began, time.process_time() - cpu, data


def both(results: list, name: str, wall: float, cpu: float) -> None:
    results.append(row(f"{name} (wall)", wall, "s", "< 2"))
    results.append(row(f"{name} (CPU)", cpu, "s", "< 2"))


def run(results: list) -> None:
    refuse_bomb(results)  # first: the process's peak RSS has not been raised by anything else yet
    total = ["合计", "10000 个项目", *[Decimal(1)] * 5, Decimal("96.5")]
    for name, writer in (("XlsxWriter constant_memory", with_xlsxwriter),
                         ("openpyxl write_only", with_openpyxl)):  # fmt: skip
        wall, cpu, data = min(
            (timed(writer, PIVOT, pivot_rows(), total) for _ in range(3)), key=lambda t: t[0]
        )
        assert len(read_table(data, "x.xlsx").rows) == ROWS + 4
        both(results, f"tabular: {ROWS:,}-row pivot (8 columns), {name}", wall, cpu)
    projects = [_AsProject(p) for p in synthetic_projects(ROWS)]
    as_rows = [[exporter._text(v) for v in exporter.project_row(p)] for p in projects]
    total_row = exporter.total_row(projects)
    for name, writer in (("XlsxWriter constant_memory", with_xlsxwriter),
                         ("openpyxl write_only", with_openpyxl)):  # fmt: skip
        wall, cpu, _ = timed(writer, exporter.COLUMNS, as_rows, total_row)
        both(results, f"tabular: {ROWS:,}-project table (34 columns), {name}", wall, cpu)
    wall, cpu, data = timed(
        lambda: exporter.to_xlsx(projects, as_of=date(2026, 6, 1), jurisdiction="绍兴市越城区")
    )
    both(results, f"tabular: project export to_xlsx, {ROWS:,} projects", wall, cpu)
    wall, cpu, table = timed(read_table, data, "x.xlsx")
    assert len(table.rows) == ROWS + 4
    results.append(row(f"tabular: read_table of that export ({ROWS:,} rows), CPU", cpu, "s"))


def refuse_bomb(results: list) -> None:
    payload = bomb(200)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with traced_peak() as peak:
        began = time.perf_counter()
        try:
            read_table(payload, "bomb.xlsx")
        except TableError:
            pass
        else:
            raise AssertionError("the bomb was read")
        seconds = time.perf_counter() - began
    rss_up = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    size = f"{len(payload) // 1024} KB → 200 MB"
    results.append(row(f"tabular: XLSX bomb ({size}) refused in", seconds, "s", "< 2"))
    results.append(row("tabular: XLSX bomb, Python allocation peak", peak["peak_mb"], "MB", "< 50"))
    results.append(row("tabular: XLSX bomb, process peak RSS increase", rss_up, "MB", "< 50"))
