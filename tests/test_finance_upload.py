"""Uploading yearly figures and funding sources: good sheets, bad sheets, nothing half-written."""

import io

import pytest
from openpyxl import Workbook
from sqlmodel import select

from tracker.audit.models import AuditEntry
from tracker.finance.models import FundingSource, InvestmentMonth, InvestmentYear
from tracker.projects.models import Project

HEADER = "项目编号,年度,年度计划投资（万元）,完成投资（万元）"


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def post(client, data: bytes, name: str, dry_run: bool = False):
    form = {"file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post_form(
        "/finance/upload", form, page_url="/finance/upload", content_type="multipart/form-data"
    )


def years_of(db, code: str) -> dict[int, tuple]:
    pid = db.exec(select(Project.id).where(Project.code == code)).one()
    db.expire_all()
    rows = db.exec(select(InvestmentYear).where(InvestmentYear.project_id == pid))
    return {r.year: (r.planned_fen, r.completed_fen) for r in rows}


@pytest.fixture
def finance_user(seeded, auth):
    return auth.login("finance")


def test_good_csv_is_written_and_audited(finance_user, client, db):
    data = csv_bytes(
        HEADER,
        "YC2022-20,2023,5000,4800.5",
        "YC2022-20,2024年,10000.0000005,",
        "YC2022-23,2025,20000,",
    )
    response = post(client, data, "figures.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "上传完成：3 行，2 个项目" in html
    assert years_of(db, "YC2022-20") == {
        2023: (5_000_000_000, 4_800_500_000),
        2024: (10_000_000_001, None),  # half a fen rounds up
    }
    entries = db.exec(select(AuditEntry).where(AuditEntry.entity == "investment")).all()
    assert any(e.action == "upload" for e in entries)
    assert any(
        c.get("item") == "2024年" and c["field"] == "planned_fen" and c["new"] == 10_000_000_001
        for e in entries
        for c in e.changes or []
    )


def test_xlsx_in_yi_with_title_row_months_and_funding(finance_user, client, db):
    data = xlsx_bytes(
        [
            ["2025年投资数据"],
            [
                "项目编号",
                "年度",
                "月份",
                "计划投资（亿元）",
                "完成投资（亿元）",
                "资金来源",
                "金额（亿元）",
            ],
            ["YC2022-23", 2025, None, 2, 1.5, "财政一般公共预算", 2],
            ["YC2022-23", 2025, 3, 0.1, 0.05, "地方政府专项债券", 1],
            ["YC2022-23", 2023, None, 0.5, None, None, None],
        ]
    )
    response = post(client, data, "figures.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert years_of(db, "YC2022-23") == {2025: (2 * 10**10, 15 * 10**9), 2023: (5 * 10**9, None)}
    month = db.exec(select(InvestmentMonth)).one()
    assert (month.year, month.month, month.planned_fen, month.completed_fen) == (
        2025,
        3,
        10**9,
        5 * 10**8,
    )
    funding = {f.source: f.amount_fen for f in db.exec(select(FundingSource))}
    assert funding == {"财政一般公共预算": 2 * 10**10, "地方政府专项债券": 10**10}


def test_blank_cells_keep_stored_figures(finance_user, client, db):
    post(client, csv_bytes(HEADER, "YC2022-20,2023,5000,100"), "a.csv")
    post(client, csv_bytes(HEADER, "YC2022-20,2023,,200"), "b.csv")
    assert years_of(db, "YC2022-20") == {2023: (5_000_000_000, 200_000_000)}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("YC2022-20,2023,-5,", "第 3 行「年度计划投资（万元）」列：金额不能为负数"),
        ("YC2022-20,2023,五千,", "第 3 行「年度计划投资（万元）」列：「五千」不是数字"),
        ("YC2022-20,2023,100,abc", "第 3 行「完成投资（万元）」列：「abc」不是数字"),
        (
            "YC2022-20,2030,100,",
            "第 3 行「年度」列：2030 年不在项目「绍初教育集团凤林校区（暂名）」的项目期限（2023–2026）内",
        ),
        ("YC9999-99,2023,100,", "第 3 行「项目编号」列：项目编号「YC9999-99」不存在"),
        (",2023,100,", "第 3 行「项目编号」列：缺少项目编号"),
        ("YC2022-20,明年,100,", "第 3 行「年度」列：年度「明年」无效"),
        ("YC2022-20,2023,100,", "第 3 行：与第 2 行重复（YC2022-20 2023年）"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(finance_user, client, db, line, message):
    data = csv_bytes(HEADER, "YC2022-20,2023,100,50", line)
    response = post(client, data, "bad.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有写入任何数据" in html and message in html
    assert years_of(db, "YC2022-20") == {}
    assert not db.exec(select(AuditEntry).where(AuditEntry.entity == "investment")).all()


def test_bad_funding_rows(finance_user, client, db):
    data = csv_bytes(
        "项目编号,资金来源,金额（万元）", "YC2022-20,彩票公益金,100", "YC2022-20,其他,"
    )
    html = post(client, data, "funds.csv").get_data(as_text=True)
    assert "第 2 行「资金来源」列：资金来源「彩票公益金」不在" in html
    assert "第 3 行「金额（万元）」列：资金来源「其他」缺少金额" in html
    assert not db.exec(select(FundingSource)).all()


def test_completed_above_planned_is_a_warning_not_an_error(finance_user, client, db):
    data = csv_bytes(HEADER, "YC2022-20,2023,100,111", "YC2022-20,2024,100,110")
    response = post(client, data, "over.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "第 2 行：YC2022-20 完成投资 111.00 万元超过计划 100.00 万元的 110%" in html
    assert "第 3 行" not in html  # exactly at the margin is fine
    assert years_of(db, "YC2022-20")[2023] == (100_000_000, 111_000_000)


def test_margin_is_configurable(seeded, auth, client, db, app):
    app.config["FINANCE_OVERRUN_WARN_PERCENT"] = 0
    auth.login("finance")
    html = post(client, csv_bytes(HEADER, "YC2022-20,2024,100,100.01"), "m.csv").get_data(
        as_text=True
    )
    assert "超过计划 100.00 万元的 100%" in html


def test_dry_run_writes_nothing(finance_user, client, db):
    response = post(client, csv_bytes(HEADER, "YC2022-20,2023,100,50"), "d.csv", dry_run=True)
    assert "检查通过" in response.get_data(as_text=True)
    assert years_of(db, "YC2022-20") == {}


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0rest", "old.xls", "不支持旧版 .xls"),
        (csv_bytes("名称,金额", "x,1"), "x.csv", "找不到表头"),
        (csv_bytes("项目编号,备注", "YC2022-20,x"), "x.csv", "表头缺少数据列"),
        (csv_bytes(HEADER), "empty.csv", "表中没有数据行"),
    ],
)
def test_unreadable_sheets(finance_user, client, data, name, message):
    response = post(client, data, name)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_upload_template_is_readable(finance_user, client):
    data = client.get("/finance/upload/template.csv").data
    assert data.startswith(b"\xef\xbb\xbf") and "项目编号".encode() in data


def test_leader_may_not_upload(seeded, auth, client):
    auth.login("leader")
    token = client.csrf_token("/finance")
    response = client.post(
        "/finance/upload",
        data={"csrf_token": token, "file": (io.BytesIO(csv_bytes(HEADER)), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
