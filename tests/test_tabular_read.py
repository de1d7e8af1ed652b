"""Every upload is read by tracker.tabular.read_table: XLSX checked from its zip directory before it
is parsed (bombs refused fast and small), rows and cells bounded, formula cells read from their
saved results or refused by name, and the summary saying so."""

import io
import time
import tracemalloc

import pytest

from tests.tabular_files import bomb, cells, lying_directory, xlsx
from tracker.tabular import Limits, TableError, read_table

HEADER = ["序号", "项目名称", "项目期限", "总投资（亿元）", "2021-2025年投资额（亿元）"]


def _refusal(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(TableError) as caught:
        read_table(data, "表.xlsx", limits)
    return str(caught.value)


def test_an_xlsx_inflating_past_the_cap_is_refused_fast_and_small():
    data = bomb(200)  # ~200 KB on disk, 200 MB inflated
    assert len(data) < 300_000
    tracemalloc.start()
    began = time.perf_counter()
    message = _refusal(data)
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "解压后约 200 MB，超过上限 50 MB" in message
    assert seconds < 2 and peak < 50 * 1024 * 1024, (seconds, peak)


def test_a_part_compressed_beyond_any_real_table_is_refused():
    message = _refusal(bomb(20))  # under the size cap, but ~1000 times smaller on disk
    assert "压缩比异常" in message and "解压后" not in message


def test_the_caps_are_settings(app, auth, client):
    app.config["UPLOAD_MAX_UNCOMPRESSED_MB"] = 10
    auth.login("admin")
    html = _upload(client, "/projects/import", bomb(20)).get_data(as_text=True)
    assert "解压后约 20 MB，超过上限 10 MB" in html
    app.config["UPLOAD_MAX_ROWS"] = 1
    html = _upload(client, "/projects/import", xlsx(cells([HEADER, HEADER]))).get_data(as_text=True)
    assert "表格超过 1 行" in html


def test_a_zip_directory_that_lies_about_sizes_is_caught_as_damage():
    tracemalloc.start()
    message = _refusal(lying_directory(200))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "已损坏" in message and peak < 50 * 1024 * 1024


def test_a_forged_sheet_extent_does_not_pad_a_million_rows():
    """A dimension of A1:XFD1048576 and one far cell made openpyxl pad every row to 16,384 cells."""
    body = cells([HEADER, ["1", "甲小学", "2023-2025", "1", "1"]])
    began = time.perf_counter()
    table = read_table(xlsx(body, dimension="A1:XFD1048576"), "x.xlsx")
    assert time.perf_counter() - began < 2
    assert table.rows == [HEADER, ["1", "甲小学", "2023-2025", "1", "1"]]


def test_rows_far_below_the_data_are_bounded():
    far = cells([HEADER]).replace("</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr">'
                                  "<is><t>x</t></is></c></row></sheetData>")  # fmt: skip
    assert "表格超过 100,000 行" in _refusal(xlsx(far))


def test_cells_are_bounded():
    wide = cells([HEADER]).replace("</sheetData>", '<row r="2"><c r="XFD2" t="inlineStr"><is><t>x'
                                   "</t></is></c></row></sheetData>")  # fmt: skip
    assert "超过 10,000 个单元格" in _refusal(xlsx(wide), Limits(max_cells=10_000))


def test_formula_cells_give_their_saved_values_and_are_listed():
    body = cells([HEADER, ["1", "甲小学", "2023-2025", ("1+0.5", "1.5"), "1.5"]])
    table = read_table(xlsx(body), "x.xlsx")
    assert table.rows[1][3] == "1.5"
    assert [(f.ref, f.line, f.column, f.cached) for f in table.formulas] == [("D2", 2, 3, "1.5")]


def test_formula_cells_without_saved_values_are_listed_empty():
    body = cells([HEADER, ["1", ('CONCAT("甲","小学")', None), "2023-2025", ("1+0.5", None)]])
    table = read_table(xlsx(body), "x.xlsx")
    assert [(f.ref, f.cached) for f in table.formulas] == [("B2", ""), ("D2", "")]


def test_utf16_text_saved_by_excel_is_read():
    text = "\t".join(HEADER) + "\r\n" + "1\t甲小学\t2023-2025\t1\t1\r\n"
    table = read_table(b"\xff\xfe" + text.encode("utf-16-le"), "表.txt")
    assert table.rows[1][1] == "甲小学"


# Through the upload pages ------------------------------------------------------------------------


def _upload(client, url: str, data: bytes, name: str = "表.xlsx"):
    form = {"file": (io.BytesIO(data), name)}
    return client.post_form(url, form, content_type="multipart/form-data")


@pytest.mark.parametrize("url", ["/projects/import", "/finance/upload"])
def test_both_uploads_refuse_a_bomb_in_chinese(seeded, auth, client, url):
    auth.login("admin")
    response = _upload(client, url, bomb(60))
    assert response.status_code == 422
    assert "超过上限 50 MB" in response.get_data(as_text=True)


def test_project_import_uses_saved_formula_results_and_says_so(app, auth, client, db):
    from sqlmodel import select

    from tracker.projects.models import Project

    auth.login("admin")
    body = cells([HEADER, ["1", "甲小学", "2023-2025", ("1+0.5", "1.5"), "1.5"]])
    response = _upload(client, "/projects/import", xlsx(body))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert (
        "第 2 行「总投资（亿元）」列：单元格 D2 是公式，已按文件中保存的计算结果「1.5」读取" in html
    )
    assert db.exec(select(Project)).one().total_investment_fen == 150 * 10**8


def test_project_import_refuses_formulas_without_results_by_cell(app, auth, client):
    auth.login("admin")
    body = cells([HEADER, ["1", ("A1", None), "2023-2025", ("1+0.5", None), "1"]])
    html = _upload(client, "/projects/import", xlsx(body)).get_data(as_text=True)
    assert "第 2 行「项目名称」列：单元格 B2 是公式，文件中没有保存可用的计算结果" in html
    assert "第 2 行「总投资（亿元）」列：单元格 D2 是公式" in html and "请粘贴为数值" in html
    assert "不能为空" not in html  # not misreported as empty cells


def test_finance_upload_refuses_formulas_without_results(seeded, auth, client):
    auth.login("finance")
    body = cells(
        [["项目编号", "年度", "年度计划投资（万元）"], ["YC2022-20", "2023", ("100*2", None)]]
    )
    html = _upload(client, "/finance/upload", xlsx(body)).get_data(as_text=True)
    assert (
        "第 2 行「年度计划投资（万元）」列：单元格 C2 是公式" in html and "没有写入任何数据" in html
    )


def test_characters_a_sheet_cannot_hold_are_dropped_and_reported(app, auth, client, db):
    from sqlmodel import select

    from tracker.projects.models import Project

    auth.login("admin")
    text = ",".join(HEADER) + "\r\n" + "1,甲\x01小\x1f学,2023-2025,1,1\r\n"
    response = _upload(client, "/projects/import", text.encode("utf-8"), "表.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "第 2 行「项目名称」列：单元格 B2 含有表格无法保存的控制字符，已删除" in html
    assert db.exec(select(Project)).one().name == "甲小学"
