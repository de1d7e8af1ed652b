"""The exports as an office prints them: LibreOffice (headless) converts the XLSX to PDF, and the
printed pages are read back with pdftotext. Set UPDATE_PRINT_SAMPLES=1 to refresh the sample pages
in docs/ (print-projects.png, print-finance.png) that the README shows."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from tests.test_finance_pivots import add_funding, add_years
from tracker.finance.export import SHEET_NAMES
from tracker.projects.models import Project

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def soffice():
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) not found: scripts/system-deps must install it")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return path


def _print(soffice: str, data: bytes, tmp_path: Path, name: str) -> Path:
    """The PDF LibreOffice prints from `data`, with a profile of its own (runs never share one)."""
    source = tmp_path / f"{name}.xlsx"
    source.write_bytes(data)
    profile = (tmp_path / f"lo-profile-{name}").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return tmp_path / f"{name}.pdf"


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _landscape(pdf: Path) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]


def _sample(pdf: Path, page: int, name: str) -> None:
    if os.environ.get("UPDATE_PRINT_SAMPLES"):
        DOCS.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile",
             str(pdf), str(DOCS / name)],
            check=True,
        )  # fmt: skip


def test_seed_project_table_prints_as_a_titled_landscape_table(
    seeded, auth, client, soffice, tmp_path
):
    auth.login("leader")
    pdf = _print(soffice, client.get("/projects/export.xlsx").data, tmp_path, "projects")
    pages = _pages(pdf)
    assert 1 <= len(pages) <= 4
    assert all(round(w) == 842 and round(h) == 595 for w, h in _landscape(pdf))  # A4 landscape
    assert "绍兴市越城区学校建设项目清单" in pages[0] and "数据截至" in pages[0]
    assert "单位：亿元" in pages[0]
    for number, page in enumerate(pages, start=1):
        for header in ("序号", "项目名称", "项目期限", "建设地点", "建设内容", "建设单位", "备注"):
            assert header in page, (number, header)  # the header row on every page
        assert re.search(rf"第\s*{number}\s*页\s*共\s*{len(pages)}\s*页", page)  # the footer
        assert "整理说明" not in page and "定位来源" not in page  # working columns stay off paper
    text = "\n".join(pages)
    for name in db_names(seeded):
        assert name[:8] in text  # every project is on paper (long names wrap after 8 characters)
    total = [line for line in pages[-1].splitlines() if line.strip().startswith("合计")]
    assert len(total) == 1 and re.search(r"35 个项目\s.*77\.80\s+48\.39", total[0]), total
    _sample(pdf, 1, "print-projects")


def db_names(seeded) -> list[str]:
    from tests.test_registry_parsing import SEED_ROWS

    return [row[1] for row in SEED_ROWS.values()]


def test_finance_workbook_prints_every_sheet_whole(seeded, db, auth, client, soffice, tmp_path):
    projects = {p.code: p for p in db.exec(select(Project))}
    add_years(db, projects["YC2022-20"], {2023: ("5000", "4800.5"), 2024: ("10000", None)})
    add_funding(
        db, projects["YC2022-23"], {"财政一般公共预算": "20000", "地方政府专项债券": "10000"}
    )
    auth.login("finance")
    data = client.get("/finance/export.xlsx?unit=亿元").data
    pdf = _print(soffice, data, tmp_path, "finance")
    pages = _pages(pdf)
    assert all(w > h for w, h in _landscape(pdf))
    book = load_workbook(io.BytesIO(data))
    sheets = [
        (name, book[name]["A1"].value, [c.value for c in book[name][3]]) for name in book.sheetnames
    ]
    assert [name for name, _, _ in sheets] == [*SHEET_NAMES.values(), "明细"]
    current, seen = None, {}
    for number, page in enumerate(pages, start=1):
        for name, title, _headers in sheets:
            if title in page:
                current = name
        assert current, f"page {number} has no sheet title before it"
        seen.setdefault(current, []).append(page)
        headers = dict((n, h) for n, _, h in sheets)[current]
        for header in headers:  # every column on every page: the sheet is one page wide
            assert header.split("\n")[0].split("（")[0] in page, (current, number, header)
    assert set(seen) == set(book.sheetnames)  # each sheet printed
    for name, printed in seen.items():  # the seed's 35 projects: two pages at most
        assert len(printed) <= (2 if name in ("按项目", "规划期核对", "明细") else 1), name
    by_project = seen["按项目"][-1]
    total = [line for line in by_project.splitlines() if "合计" in line and "个项目" in line]
    assert total and re.search(r"77\.80\s+48\.39", total[0]), total
    _sample(pdf, 1 + pages.index(seen["按街道"][0]), "print-finance")


def test_a_thousand_projects_print_in_bounded_pages_each_with_its_header(soffice, tmp_path):
    from datetime import date

    from scripts.benchmarks.common import _AsProject, synthetic_projects
    from tracker.dataio.exporter import to_xlsx

    projects = [_AsProject(p) for p in synthetic_projects(1000)]
    data = to_xlsx(projects, as_of=date(2026, 6, 1), jurisdiction="绍兴市越城区")
    pdf = _print(soffice, data, tmp_path, "thousand")
    pages = _pages(pdf)
    # about 21 rows a page: 1,000 projects on 50 landscape pages or fewer, never split sideways
    assert len(pages) <= 50, len(pages)
    for page in pages:
        assert "项目名称" in page and "建设内容" in page and "备注" in page
    assert "1000 个项目" in pages[-1]
