"""Every bad input of issue 2, through the upload page (CSRF on) and the CLI: a Chinese message
naming the row and column, the database unchanged (counts and a checksum), the server still serving."""

import hashlib
import io

import pytest
from sqlalchemy import text

from tests.conftest import SEED_CSV

HEADER = "序号,项目名称,项目期限,建设地点,建设内容,总投资（亿元）,2021-2025年投资额（亿元）,建设单位,学段,项目编号"
GOOD = "1,城东小学,2023-2025,灵芝街道,24班,1.5,1.5,镜湖开发办,小学,T-01"


def _csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _xlsx_header_only() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["项目名称", "项目期限", "建设单位"])
    book.active.append(["城东小学", "2023-2025", "镜湖开发办"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# name: (filename, content, the words every message must contain)
BAD_FILES = {
    "wrong_type_pdf": (
        "报告.pdf",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x00endobj\n",
        ["文件格式不对", "CSV", "XLSX"],
    ),
    "wrong_type_png": (
        "图.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
        ["文件格式不对"],
    ),
    "damaged_xlsx": ("表.xlsx", b"PK\x03\x04" + b"not really a zip" * 10, ["XLSX 文件已损坏"]),
    "empty": ("空.csv", b"", ["文件是空的"]),
    "blank": ("空白.csv", b"\r\n  \r\n", ["文件是空的"]),
    "legacy_xls": (
        "旧表.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
        ["不支持旧版 .xls", "另存为 .xlsx 或 CSV"],
    ),
    "no_header": ("乱.csv", _csv("a,b,c", "1,2,3"), ["找不到表头", "项目名称"]),
    "missing_required_column": (
        "缺列.csv",
        _csv("序号,项目名称,项目期限,建设单位", "1,城东小学,2023-2025,镜湖开发办"),
        ["第 1 行", "缺少必需的列", "总投资（亿元）"],
    ),
    "missing_column_xlsx": ("缺列.xlsx", _xlsx_header_only(), ["第 1 行", "总投资（亿元）"]),
    "text_amount": (
        "金额.csv",
        _csv(HEADER, GOOD.replace(",1.5,1.5,", ",约1.5亿,1.5,")),
        ["第 2 行「总投资（亿元）」列", "「约1.5亿」不是数字"],
    ),
    "negative_amount": (
        "负数.csv",
        _csv(HEADER, GOOD.replace(",1.5,1.5,", ",1.5,-0.3,")),
        ["第 2 行「2021-2025年投资额（亿元）」列", "金额不能为负数"],
    ),
    "reversed_period": (
        "期限.csv",
        _csv(HEADER, GOOD.replace("2023-2025", "2025-2023")),
        ["第 2 行「项目期限」列", "「2025-2023」的起始年晚于结束年"],
    ),
    "unknown_stage": (
        "学段.csv",
        _csv(HEADER, GOOD.replace(",小学,", ",大学,")),
        ["第 2 行「学段」列", "未知的学段「大学」"],
    ),
    "duplicate_code": (
        "重复.csv",
        _csv(HEADER, GOOD, GOOD.replace("城东小学", "城西小学").replace("1,", "2,", 1)),
        ["第 3 行「项目编号」列", "项目编号 T-01 与第 2 行重复"],
    ),
    "bad_row_after_title": (
        "标题.csv",
        _csv(
            "越城区重大建设项目表",
            "",
            HEADER,
            GOOD,
            GOOD.replace("T-01", "T-02").replace("2023", "二〇二三"),
        ),
        ["第 5 行「项目期限」列"],
    ),
}


def checksum(engine) -> tuple[int, int, str]:
    """Project count, project/import audit count and a hash of every column of every project row."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM project ORDER BY id")).all()
        # audit entries about projects and imported files (a refused request may be logged too)
        audits = conn.execute(
            text("SELECT COUNT(*) FROM audit_entry WHERE entity IN ('project', 'file')")
        ).scalar_one()
    digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return len(rows), audits, digest


def _upload(client, filename: str, data: bytes, dry_run=False):
    form = {"file": (io.BytesIO(data), filename)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post_form("/projects/import", form, content_type="multipart/form-data")


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_upload_is_refused_and_changes_nothing(seeded, app, auth, client, case):
    filename, data, words = BAD_FILES[case]
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    response = _upload(client, filename, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "没有导入任何数据" in html
    for word in words:
        assert word in html, (case, word)
    assert checksum(app.extensions["engine"]) == before
    assert client.get("/projects").status_code == 200  # still serving


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_on_the_command_line_changes_nothing(seeded, app, runner, tmp_path, case):
    filename, data, words = BAD_FILES[case]
    path = tmp_path / filename
    path.write_bytes(data)
    before = checksum(app.extensions["engine"])
    for args in (["import-projects", str(path)], ["import-projects", "--dry-run", str(path)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        for word in words:
            assert word in result.output, (case, word, result.output)
        assert "数据库未改动" in result.output
    assert checksum(app.extensions["engine"]) == before


def test_every_bad_row_is_listed_with_its_line(seeded, app, auth, client):
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    data = _csv(
        HEADER,
        GOOD,
        GOOD.replace("T-01", "T-02").replace("2023-2025", "2025-2023"),
        GOOD.replace("T-01", "T-03").replace(",1.5,1.5,", ",abc,-1,"),
        GOOD.replace("T-01", "T-04"),
    )
    html = _upload(client, "多处.csv", data).get_data(as_text=True)
    assert "发现 3 处问题" in html
    assert "第 3 行「项目期限」列" in html
    assert (
        "第 4 行「总投资（亿元）」列" in html and "第 4 行「2021-2025年投资额（亿元）」列" in html
    )
    assert "第 2 行" not in html and "第 5 行" not in html
    assert checksum(app.extensions["engine"]) == before


def test_dry_run_checks_without_writing(seeded, app, auth, client, runner, tmp_path):
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    response = _upload(client, "new.csv", _csv(HEADER, GOOD), dry_run=True)
    assert response.status_code == 200
    assert "检查通过：1 行都可以导入（尚未写入）" in response.get_data(as_text=True)
    path = tmp_path / "seed.csv"
    path.write_bytes(SEED_CSV.read_bytes())
    result = runner.invoke(args=["import-projects", "--dry-run", str(path)])
    assert result.exit_code == 0 and "检查通过：35 行可以导入（未写入）" in result.output
    assert checksum(app.extensions["engine"]) == before


def test_good_upload_imports(seeded, app, auth, client):
    auth.login("admin")
    response = _upload(client, "new.csv", _csv(HEADER, GOOD))
    assert response.status_code == 200
    assert "新增 1 个，更新 0 个，未变 0 个" in response.get_data(as_text=True)
    assert checksum(app.extensions["engine"])[0] == 36


def test_upload_over_the_limit_gets_413_in_chinese_and_the_server_keeps_serving(
    seeded, app, auth, client
):
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    # The multipart body is built here as bytes: the test client would spool a body this large to
    # a temporary file that it never closes when the server refuses the request early.
    token = client.csrf_token("/projects/import")
    boundary = "----tracker-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + _csv(HEADER)
        + b"x" * (21 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/projects/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "上传的文件太大：上限为 20 MB" in response.get_data(as_text=True)
    assert checksum(app.extensions["engine"]) == before
    assert client.get("/projects").status_code == 200
    assert client.get("/api/summary").get_json()["count"] == 35


def test_upload_without_csrf_token_is_refused(seeded, app, auth, client):
    auth.login("admin")
    before = checksum(app.extensions["engine"])
    response = client.post(
        "/projects/import",
        data={"file": (io.BytesIO(_csv(HEADER, GOOD)), "new.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert checksum(app.extensions["engine"]) == before


def test_upload_without_a_file(seeded, auth, client):
    auth.login("admin")
    response = client.post_form("/projects/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "请选择要上传的文件" in response.get_data(as_text=True)


def test_importing_needs_the_admin_role(seeded, app, auth, client):
    auth.login("pm")
    assert client.get("/projects/import").status_code == 403
