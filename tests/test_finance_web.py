"""The 投资 pages as users drive them: pivots, charts, exports read back, API, form edits."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from tests.test_finance_pivots import add_funding, add_years
from tracker.audit.models import AuditEntry
from tracker.finance.export import SHEET_NAMES as SHEETS
from tracker.finance.models import FundingSource, InvestmentYear
from tracker.projects.models import Project


@pytest.fixture
def portfolio(seeded, db):
    projects = {p.code: p for p in db.exec(select(Project))}
    add_years(db, projects["YC2022-20"], {2023: ("5000", "4800.5"), 2024: ("10000", None)})
    add_years(db, projects["YC2022-23"], {2023: ("0.01", "0.01"), 2025: ("20000", "19999.99")})
    add_funding(
        db, projects["YC2022-23"], {"财政一般公共预算": "20000", "地方政府专项债券": "10000"}
    )
    return projects


def test_finance_page_says_how_many_projects_have_figures(seeded, auth, client):
    auth.login("viewer")
    html = client.get("/finance").get_data(as_text=True)
    assert "共 <strong>35</strong> 个项目，其中 <strong>0</strong> 个已录入年度投资" in html
    assert "不做推算" in html
    assert 'href="/finance"' in client.get("/").get_data(as_text=True)  # nav entry


@pytest.mark.parametrize(
    "by", ["year", "subdistrict", "builder", "stage", "government", "source", "project"]
)
def test_every_pivot_page_renders_with_charts(portfolio, auth, client, by):
    auth.login("finance")
    response = client.get(f"/finance?by={by}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script" not in html.split("<main>")[1]
    assert 'id="pivot"' in html and "合计" in html
    charts = re.findall(r'<img src="(/finance/chart/[a-z]+\.svg\?[^"]*)"', html)
    assert len(charts) == 3
    for url in charts:
        svg = client.get(url.replace("&amp;", "&"))
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        body = svg.get_data(as_text=True)
        assert (
            body.startswith("<svg")
            and "<rect" in body
            and "http" not in body.replace('xmlns="http://www.w3.org/2000/svg"', "")
        )


def test_year_chart_draws_planned_and_completed(portfolio, auth, client):
    auth.login("leader")
    svg = client.get("/finance/chart/year.svg?unit=万元").get_data(as_text=True)
    assert "2023年" in svg and "2025年" in svg and "年度计划投资" in svg and "完成投资" in svg
    assert "20,000.00" in svg and "19,999.99" in svg
    assert client.get("/finance/chart/pie.svg").status_code == 404


def test_page_shows_flags_and_honours_filters(portfolio, db, auth, client):
    auth.login("finance")
    html = client.get("/finance?unit=万元").get_data(as_text=True)
    assert "没有发现年度计划超过总投资" in html  # row 23's sources sum to its 3亿 exactly
    add_years(db, portfolio["YC2022-20"], {2025: ("30000", None)})  # 45000 > 35000 万元
    add_funding(db, portfolio["YC2022-20"], {"国有平台公司": "1000"})
    html = client.get("/finance?unit=万元").get_data(as_text=True)
    flags = html.split('id="finance-flags"')[1].split("</section>")[0]
    assert "年度计划投资合计超过总投资（1 个）" in flags
    assert "年度计划合计 45,000.00，总投资 35,000.00（万元）" in flags
    assert "资金来源合计与总投资不一致（1 个）" in flags and "资金来源合计 1,000.00" in flags
    assert "YC2022-23" not in flags
    narrowed = client.get("/finance?stage=幼儿园").get_data(as_text=True)
    assert "其中 <strong>0</strong> 个已录入年度投资" in narrowed
    assert "没有发现年度计划超过总投资" in narrowed  # the flagged project is not a 幼儿园


def test_chart_labels_are_escaped(portfolio, db, auth, client):
    project = portfolio["YC2022-20"]
    project.subdistrict = "<script>alert(1)</script>街道"
    db.add(project)
    db.commit()
    auth.login("finance")
    html = client.get("/finance?by=subdistrict").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    svg = client.get("/finance/chart/subdistrict.svg").get_data(as_text=True)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


@pytest.mark.parametrize(
    "by", ["year", "subdistrict", "builder", "stage", "government", "source", "project", "window"]
)
@pytest.mark.parametrize("unit", ["万元", "亿元"])
def test_xlsx_export_reads_back_with_the_same_figures(portfolio, auth, client, by, unit):
    auth.login("leader")
    api = (
        client.get(f"/api/finance/summary?by={by}&unit={unit}").get_json()
        if by != "window"
        else None
    )
    response = client.get(f"/finance/export.xlsx?by={by}&unit={unit}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    # One workbook: a sheet per pivot, the plan-window check and 明细; the one asked for opens first.
    assert book.sheetnames == [*SHEETS.values(), "明细"]
    sheet = book.active
    assert sheet.title == SHEETS[by]
    assert sheet["A1"].value.startswith("绍兴市越城区学校建设投资")
    assert "数据截至" in sheet["A2"].value and f"单位：{unit}" in sheet["A2"].value
    assert sheet.freeze_panes in ("B4", "C4")  # below the header, beside the label (and code)
    assert sheet.print_title_rows == "$3:$3"  # the header row repeats on every printed page
    header = [c.value.replace("\n", "") for c in sheet[3]]  # long headers break before the unit
    assert all(c.font.b for c in sheet[3])
    money_columns = [i for i, h in enumerate(header) if h.endswith(f"（{unit}）")]
    assert money_columns
    rows = list(sheet.iter_rows(min_row=4))
    assert rows[-1][0].value == "合计" and all(c.font.b for c in rows[-1])
    for i in money_columns:
        assert rows[0][i].number_format == "#,##0.00"  # the unit is in the header and unit line
        values = [r[i].value for r in rows[:-1] if r[i].value is not None]
        total = rows[-1][i].value or 0
        # cells hold the exact amount; two-decimal rounding is only the display format
        exact = sum(Decimal(repr(v)) for v in values)
        assert Decimal(repr(total)).quantize(Decimal("0.000001")) == exact.quantize(
            Decimal("0.000001")
        )
    if api:
        key = [
            k for k, h in api["columns"].items() if f"{h}（{unit}）" == header[money_columns[0]]
        ][0]
        assert Decimal(repr(rows[-1][money_columns[0]].value or 0)) == Decimal(
            api["total"][key] or "0"
        )


def test_window_export_gives_the_seed_equation(seeded, auth, client):
    auth.login("finance")
    book = load_workbook(io.BytesIO(client.get("/finance/export.xlsx?by=window").data))
    rows = list(book.active.iter_rows(min_row=3, values_only=True))
    header, total = [h.replace("\n", "") for h in rows[0]], rows[-1]
    figures = {
        h: Decimal(repr(v)).quantize(Decimal("0.01"))
        for h, v in zip(header, total, strict=True)
        if isinstance(v, float | int)
    }
    assert figures == {
        "总投资（亿元）": Decimal("77.80"),
        "规划期内（亿元）": Decimal("48.39"),
        "规划期前（亿元）": Decimal("6.01"),
        "规划期后（亿元）": Decimal("22.40"),
        "无法解释（亿元）": Decimal("1.00"),
    }


def test_csv_export_has_bom_exact_amounts_and_safe_text(portfolio, db, auth, client):
    project = portfolio["YC2022-23"]
    project.builder = '=HYPERLINK("x")'
    db.add(project)
    db.commit()
    auth.login("finance")
    data = client.get("/finance/export.csv?by=builder&unit=万元").data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0][0] == "建设单位" and rows[-1][0] == "合计"
    assert any(r[0].startswith("'=HYPERLINK") for r in rows)
    col = rows[0].index("总投资（万元）")
    assert (
        sum(Decimal(r[col]) for r in rows[1:-1]) == Decimal(rows[-1][col]) == Decimal("778000.00")
    )
    book = load_workbook(io.BytesIO(client.get("/finance/export.xlsx?by=builder").data))
    assert book.active.title == "按建设单位"
    assert any(str(c.value).startswith("'=HYPERLINK") for c in book.active["A"])


@pytest.mark.parametrize(
    "by", ["year", "subdistrict", "builder", "stage", "government", "source", "project"]
)
def test_api_summary_gives_exact_strings(portfolio, auth, client, by):
    auth.login("viewer")
    data = client.get(f"/api/finance/summary?by={by}").get_json()
    assert data["unit"] == "万元" and data["by"] == by
    for key, header in data["columns"].items():
        values = [
            r[key]
            for r in data["rows"]
            if isinstance(r[key], str) and re.fullmatch(r"[0-9.]+", r[key])
        ]
        if values and key not in ("rate", "share", "label", "code"):
            assert isinstance(data["total"][key], str)
            assert sum(Decimal(v) for v in values) == Decimal(data["total"][key]), header
    if by == "year":
        assert [r["key"] for r in data["rows"]] == [2023, 2024, 2025]
        assert data["total"]["planned"] == "35000.01"
        assert data["projects_with_yearly_figures"] == 2


def test_api_rejects_an_unknown_pivot_and_anonymous(portfolio, auth, client):
    assert client.get("/api/finance/summary").status_code == 401
    auth.login("viewer")
    bad = client.get("/api/finance/summary?by=colour")
    assert bad.status_code == 400 and "error" in bad.get_json()


def test_project_api_has_finance_part(portfolio, auth, client):
    auth.login("viewer")
    part = client.get("/api/projects/YC2022-23").get_json()["finance"]
    assert part["years"][0] == {"year": 2023, "planned": "0.01", "completed": "0.01"}
    assert part["funding_total"] == "30000.00" and part["flags"] == []
    assert part["completion_rate"] == "100.0"


def _form(client, code, **query):
    """The form's fields as a browser would send them (unchecked boxes left out)."""
    html = client.get(f"/finance/projects/{code}", query_string=query).get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        fields[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option selected value="([^"]*)"', body)
        fields[name] = selected.group(1) if selected else ""
    return fields, html


def test_finance_user_edits_figures_through_the_form(portfolio, db, auth, client):
    auth.login("finance")
    fields, html = _form(client, "YC2022-20", unit="亿元")
    assert "csrf_token" in fields and fields["version"] == "0" and fields["unit"] == "亿元"
    assert fields["years-0-completed"] == "0.48005"
    fields.update(
        {
            "years-0-planned": "0.5",  # 2023 → 0.5 亿元 = 5000 万元 (unchanged)
            "years-1-year": "2024",
            "years-1-planned": "1.2345678",
            "years-1-completed": "",
            "years-2-year": "2025",
            "years-2-planned": "0.3",
            "funding-0-source": "国有平台公司",
            "funding-0-amount": "3.5",
        }
    )
    fields.pop("csrf_token")
    response = client.post_form("/finance/projects/YC2022-20", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    rows = {
        r.year: r
        for r in db.exec(
            select(InvestmentYear).where(InvestmentYear.project_id == portfolio["YC2022-20"].id)
        )
    }
    assert (
        rows[2024].planned_fen == 1_234_567_80_00 // 100 * 100
        or rows[2024].planned_fen == 12345678000
    )
    assert rows[2024].planned_fen == 12345678000 and rows[2024].completed_fen is None
    assert rows[2023].completed_fen == 4_800_500_000  # kept: 0.48005 亿元
    assert rows[2025].planned_fen == 3 * 10**9
    funding = db.exec(
        select(FundingSource).where(FundingSource.project_id == portfolio["YC2022-20"].id)
    ).all()
    assert [(f.source, f.amount_fen) for f in funding] == [("国有平台公司", 35 * 10**9)]
    detail = client.get("/projects/YC2022-20").get_data(as_text=True)
    assert "修改了 2024年 的计划投资：10000.00 万元 → 12345.678 万元" in detail  # 变更记录
    saves = db.exec(
        select(AuditEntry).where(
            AuditEntry.project_id == portfolio["YC2022-20"].id, AuditEntry.entity == "investment"
        )
    ).all()
    assert len(saves) == 1  # one entry per save: years and funding sources together
    items = {c["item"] for c in saves[0].changes}
    assert {"2024年", "资金来源「国有平台公司」"} <= items


def test_form_removes_rows_and_refuses_bad_values(portfolio, db, auth, client):
    auth.login("admin")
    fields, _ = _form(client, "YC2022-23")
    fields.pop("csrf_token")
    bad = dict(fields, **{"years-0-planned": "-5", "years-1-year": "2030"})
    response = client.post_form("/finance/projects/YC2022-23", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "金额不能为负数" in html and "2030 年不在项目期限（2023–2025）内" in html
    assert db.exec(
        select(InvestmentYear).where(InvestmentYear.project_id == portfolio["YC2022-23"].id)
    ).all()
    good = dict(fields, **{"years-0-remove": "y", "funding-1-remove": "y"})
    assert client.post_form("/finance/projects/YC2022-23", good).status_code == 302
    db.expire_all()
    years = db.exec(
        select(InvestmentYear.year).where(InvestmentYear.project_id == portfolio["YC2022-23"].id)
    ).all()
    assert years == [2025]
    sources = db.exec(
        select(FundingSource.source).where(FundingSource.project_id == portfolio["YC2022-23"].id)
    ).all()
    assert sources == ["财政一般公共预算"]


def test_stale_form_is_refused_with_what_changed(portfolio, auth, client):
    auth.login("finance")
    fields, _ = _form(client, "YC2022-20")
    fields.pop("csrf_token")
    first = dict(fields, **{"years-0-planned": "6000"})
    assert client.post_form("/finance/projects/YC2022-20", first).status_code == 302
    second = dict(fields, **{"years-0-planned": "7000"})  # still version 0
    response = client.post_form("/finance/projects/YC2022-20", second)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "保存被拒绝：投资 YC2022-20 已被他人修改" in html
    assert "修改了 2023年 的计划投资：5000.00 万元 → 6000.00 万元" in html
    assert "7000" in html  # what was typed is shown back


def test_form_without_csrf_token_is_refused(portfolio, auth, client):
    auth.login("finance")
    response = client.post("/finance/projects/YC2022-20", data={"years-0-year": "2023"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [("finance", 200), ("admin", 200), ("leader", 403), ("pm", 403), ("viewer", 403)],
)
def test_only_finance_and_admin_may_edit(portfolio, auth, client, role, status):
    auth.login(role)
    assert client.get("/finance/projects/YC2022-20").status_code == status
    assert client.get("/finance/upload").status_code == status
    panel = client.get("/projects/YC2022-20").get_data(as_text=True)
    assert ("编辑投资数据" in panel) == (status == 200)
    assert "finance-panel" in panel


def test_leader_post_is_forbidden(portfolio, auth, client):
    auth.login("leader")
    token = client.csrf_token("/finance")
    response = client.post(
        "/finance/projects/YC2022-20",
        data={"csrf_token": token, "years-0-year": "2023", "years-0-planned": "1"},
    )
    assert response.status_code == 403


def test_viewer_may_not_export(portfolio, auth, client):
    auth.login("viewer")
    assert client.get("/finance/export.xlsx?by=year").status_code == 403


def test_month_rows_for_the_current_year(portfolio, db, auth, client, monkeypatch):
    from datetime import date

    from tracker import clock
    from tracker.finance.models import InvestmentMonth

    monkeypatch.setattr(clock, "today", lambda: date(2025, 6, 1))
    auth.login("finance")
    fields, html = _form(client, "YC2022-23")
    assert "2025 年月度数据" in html and fields["months-2-month"] == "3"
    fields.pop("csrf_token")
    fields.update({"months-2-planned": "100", "months-2-completed": "80.5"})
    assert client.post_form("/finance/projects/YC2022-23", fields).status_code == 302
    month = db.exec(select(InvestmentMonth)).one()
    assert (month.year, month.month, month.planned_fen, month.completed_fen) == (
        2025,
        3,
        100 * 10**6,
        80_500_000,
    )
    part = client.get("/api/projects/YC2022-23").get_json()["finance"]
    assert part["months"] == [{"year": 2025, "month": 3, "planned": "100.00", "completed": "80.50"}]
    # a project whose period has ended gets no month grid
    _, html = _form(client, "YC2022-01")
    assert "月度数据" not in html


def test_xlsx_reads_back_in_streaming_mode_too(portfolio, auth, client):
    """The import reader (openpyxl read_only) sees every row, text intact and numbers exact."""
    from tracker.tabular import read_table

    auth.login("finance")
    data = client.get("/finance/export.xlsx?by=project&unit=万元").data
    sheet = read_table(data, "x.xlsx")  # the first sheet: by year
    assert sheet.sheet_name == "按年度"
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows = [[c or "" for c in r] for r in book["按项目"].iter_rows(values_only=True)]
    book.close()
    assert len(rows) == 3 + 35 + 1  # title, note, header; 35 projects; 合计
    assert rows[-1][:2] == ["合计", "35 个项目"] and rows[-1][2] == 778000
    by_code = {r[0]: r for r in rows[3:-1]}
    assert by_code["YC2022-23"][4] == 20000.01  # planned 0.01 + 20000 万元


def test_detail_sheet_has_a_row_per_project_and_year(portfolio, auth, client):
    auth.login("finance")
    book = load_workbook(io.BytesIO(client.get("/finance/export.xlsx?unit=万元").data))
    rows = list(book["明细"].iter_rows(min_row=3, values_only=True))
    assert tuple(h.replace("\n", "") for h in rows[0]) == ("项目编号", "项目名称", "项目期限", "年度", "年度计划投资（万元）",
                       "完成投资（万元）", "投资完成率（%）")  # fmt: skip
    body, total = rows[1:-1], rows[-1]
    assert len(body) == 33 + 2 + 2  # 33 projects without figures, 2 years each for two projects
    assert [r[3] for r in body if r[0] == "YC2022-20"] == ["2023年", "2024年"]
    assert total[0] == "合计"
    assert Decimal(repr(total[4])) == Decimal("35000.01")  # 5000 + 10000 + 0.01 + 20000
    assert Decimal(repr(total[4])) == sum(Decimal(repr(r[4])) for r in body if r[4] is not None)


def test_form_warns_when_completed_exceeds_the_plan(portfolio, auth, client):
    auth.login("finance")
    fields, _ = _form(client, "YC2022-20")
    fields.pop("csrf_token")
    fields.update({"years-0-planned": "4000", "years-0-completed": "4400.01"})
    response = client.post_form("/finance/projects/YC2022-20", fields, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已保存投资数据" in html
    assert "提示：2023 年完成投资 4400.01 万元超过年度计划 4000.00 万元的 110%" in html


def test_flag_lists_are_counted_in_full_but_capped(portfolio, db, auth, client, app):
    app.config["PAGE_SIZE"] = 1
    for code in ("YC2022-01", "YC2022-02"):
        add_funding(db, portfolio[code], {"其他": "1"})
    auth.login("finance")
    html = client.get("/finance").get_data(as_text=True)
    flags = html.split('id="finance-flags"')[1].split("</section>")[0]
    assert "资金来源合计与总投资不一致（2 个）" in flags and "只列出前 1 个" in flags
    assert "YC2022-01" in flags and "YC2022-02" not in flags
