"""Every spreadsheet the app hands out comes from tracker.tabular's one writer: laid out to print
(title, 数据截至, unit, filter, repeated header, landscape fitted to a page wide, frozen identifying
columns, the app's 合计 row, page footer), formula-safe, and never broken by a stored character."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from tests.conftest import make_project
from tracker.projects.models import Project
from tracker.tabular import Column, Sheet, read_table, workbook


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_project_export_is_laid_out_to_print(seeded, auth, client, app):
    app.config["JURISDICTION_NAME"] = "某某县"
    auth.login("leader")
    sheet = _book(client.get("/projects/export.xlsx?stage=小学").data).active
    assert sheet["A1"].value == "某某县学校建设项目清单"
    note = sheet["A2"].value
    assert note.startswith("数据截至 ") and "年" in note and "单位：亿元" in note
    assert "范围：学段：小学" in note
    assert [c.value for c in sheet[3]][:2] == ["序号", "项目名称"]
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.freeze_panes == "C4"  # 序号 and 项目名称 stay in view
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)  # A4
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)  # absent means 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    # the bureau's ten columns print; the structured ones stay in the file for re-import
    assert sheet.print_area == "'项目清单'!$A$1:$J$" + str(sheet.max_row)
    assert sheet["E4"].alignment.wrap_text  # 建设内容 wraps
    assert sheet.row_dimensions[4].height >= 18


def test_project_export_total_row_is_a_value_computed_by_the_app(seeded, auth, client):
    auth.login("leader")
    sheet = _book(client.get("/projects/export.xlsx").data).active
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[:2] == ["合计", "35 个项目"]
    assert (last[5], last[6]) == ("77.80", "48.39")
    assert all(c.data_type != "f" for c in sheet[sheet.max_row])
    assert all(c.font.b for c in sheet[sheet.max_row][:10])


def test_a_wrong_total_row_in_a_reimported_export_is_caught(seeded, auth, client, app, db):
    """The importer skips the title and unit rows and checks the 合计 row against the rows."""
    from tests.conftest import TEST_ACTOR
    from tracker.dataio.services import import_file

    auth.login("admin")
    book = _book(client.get("/projects/export.xlsx").data)
    sheet = book.active
    sheet.cell(sheet.max_row, 6).value = "77.81"
    buffer = io.BytesIO()
    book.save(buffer)
    with app.app_context():
        outcome = import_file(db, actor=TEST_ACTOR, data=buffer.getvalue(), filename="x.xlsx",
                              window=(2021, 2025), dry_run=True)  # fmt: skip
    assert [str(e) for e in outcome.errors] == [
        f"第 {sheet.max_row} 行「总投资（亿元）」列：小计 77.81 亿元与各行合计 77.80 亿元不符"
    ]


def test_audit_export_prints_on_a3_with_its_filter(seeded, auth, client):
    auth.login("admin", "boss")
    client.get("/projects/export.csv")
    sheet = _book(client.get("/audit/export.xlsx?user=boss").data).active
    assert sheet["A1"].value == "绍兴市越城区学校建设项目管理操作日志"
    assert "范围：操作人：boss；共 " in sheet["A2"].value
    assert sheet.page_setup.paperSize == 8  # A3: eleven columns do not fit A4 readably
    assert [c.value for c in sheet[3]][:3] == ["时间", "操作人", "来源地址"]


# One bad stored row never breaks a download ----------------------------------------------------

HOSTILE = "甲\x00乙\x01丙\x0b丁\x1f戊\ufffe己\u202e庚_x0041_"


@pytest.fixture
def hostile(seeded, db):
    """A stored row with characters no worksheet holds (PostgreSQL itself refuses NUL: there the
    row holds the other control characters only)."""
    nul = "\x00" if db.get_bind().dialect.name == "sqlite" else ""
    project = db.exec(select(Project).where(Project.code == "YC2022-01")).one()
    project.name = HOSTILE.replace("\x00", nul)
    project.remarks = "=1+1" + nul
    db.add(project)
    db.commit()
    make_project(db, name="控制\x07字符", builder="@SUM(A1)")
    return project


def test_control_characters_never_break_an_export(hostile, auth, client, app, db):
    auth.login("admin")
    for url in ("/projects/export.xlsx", "/audit/export.xlsx", "/finance/export.xlsx?by=project"):
        response = client.get(url)
        assert response.status_code == 200, url
        _book(response.data)  # opens
    table = read_table(client.get("/projects/export.xlsx").data, "x.xlsx")
    names = [row[1] for row in table.rows]
    assert "甲乙丙丁戊己\u202e庚_x0041_" in names  # only what a worksheet cannot hold is gone
    assert "=1+1" in [row[9] for row in table.rows]  # written as 「'=1+1」, read back as stored
    data = client.get("/projects/export.csv").data
    assert b"\x00" not in data and b"\x07" not in data
    assert "甲乙丙丁戊己" in data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_such_a_row_imports_again(hostile, auth, client, app, db, fmt):
    from tests.conftest import TEST_ACTOR
    from tracker.dataio.services import import_file

    auth.login("admin")
    data = client.get(f"/projects/export.{fmt}").data
    with app.app_context():
        outcome = import_file(db, actor=TEST_ACTOR, data=data, filename=f"x.{fmt}",
                              window=(2021, 2025), dry_run=True)  # fmt: skip
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert outcome.rows == 36


def test_csv_downloads_send_exactly_one_charset(seeded, auth, client):
    auth.login("admin")
    for url in (
        "/projects/export.csv",
        "/finance/export.csv?by=year",
        "/audit/export.csv",
        "/finance/upload/template.csv",
    ):
        response = client.get(url)
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url
        assert response.data.startswith(b"\xef\xbb\xbf"), url


# The writer itself ------------------------------------------------------------------------------


def test_writer_escapes_text_names_sheets_and_keeps_numbers_exact():
    data = workbook(
        [
            Sheet(
                "a/b:c",
                "表",
                [Column("名称"), Column("金额", kind="money")],
                rows=[["<b>&\x01'", Decimal("0.000001")], ["=2+3", Decimal("12345.678901")]],
                total=["合计", Decimal("12345.678902")],
            ),  # fmt: skip
            Sheet("a/b:c", "表二", [Column("名称")], rows=[]),
        ],
        jurisdiction="某地",
        as_of=date(2026, 3, 5),
    )
    book = _book(data)
    assert book.sheetnames == ["a_b_c", "a_b_c(2)"]
    sheet = book["a_b_c"]
    assert sheet["A2"].value == "数据截至 2026年3月5日"
    assert [(r[0].value, r[1].value) for r in sheet.iter_rows(min_row=4)] == [
        ("<b>&'", 0.000001),
        ("'=2+3", 12345.678901),
        ("合计", 12345.678902),
    ]
    assert book["a_b_c(2)"]["A4"].value == "（没有符合条件的数据）"
    table = read_table(data, "x.xlsx")  # the reader removes the apostrophe again
    assert table.rows[4][0] == "=2+3"


def test_csv_writer_is_formula_safe_and_holdable():
    from tracker.tabular import csv_bytes

    data = csv_bytes(["名称", "数"], [["=cmd|' /C calc'!A0", 3], ["a\x00b", None]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["名称", "数"], ["'=cmd|' /C calc'!A0", "3"], ["ab", ""]]
