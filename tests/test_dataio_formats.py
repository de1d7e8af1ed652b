"""Project tables in every format users have: CSV in three encodings, XLSX, the government layout
with a title row and a subtotal row, amounts in 万元; and import → export → import round trips."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from tests.conftest import SEED_CSV, TEST_ACTOR, _empty_tables
from tests.test_registry_parsing import SEED_ROWS
from tracker.audit.services import Actor
from tracker.dataio.services import import_file
from tracker.projects.models import EDITABLE_FIELDS, Project

HEADER = ["序号", "项目名称", "项目期限", "建设地点", "建设内容", "总投资（亿元）",
          "2021-2025年投资额（亿元）", "建设单位", "是否为政府投资项目或国有平台公司投资项目", "备注"]  # fmt: skip


def _import(app, db, data: bytes, filename: str, dry_run: bool = False):
    with app.app_context():
        outcome = import_file(
            db, actor=TEST_ACTOR, data=data, filename=filename, window=(2021, 2025), dry_run=dry_run
        )
    db.commit()
    return outcome


def _csv(rows, encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def _totals(db) -> tuple[int, int, int]:
    count, total, window = db.exec(
        select(
            func.count(Project.id),
            func.coalesce(func.sum(Project.total_investment_fen), 0),
            func.coalesce(func.sum(Project.window_investment_fen), 0),
        )
    ).one()
    return int(count), int(total), int(window)


SEED_TOTALS = (35, 77_80 * 10**8, 48_39 * 10**8)  # 77.80 and 48.39 亿元 in fen


def _seed_table_rows() -> list[list[str]]:
    """The 35 rows of seed 001 as printed (10 cells each)."""
    return [SEED_ROWS[seq][:10] for seq in sorted(SEED_ROWS)]


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)]
)
def test_seed_table_csv_in_every_encoding(app, db, encoding, bom):
    data = _csv([HEADER, *_seed_table_rows()], encoding, bom)
    outcome = _import(app, db, data, "table.csv")
    assert outcome.ok, outcome.errors
    assert _totals(db) == SEED_TOTALS
    p = db.exec(select(Project).where(Project.name == "育才学校")).one()
    assert p.content_text == SEED_ROWS[5][4]
    assert p.sections == {"学前段": 3, "义务段": 18, "高职": 6}
    assert p.code.startswith("P")  # a table without codes gets generated ones


def test_seed_file_itself_imports_to_the_source_totals(seeded, db):
    assert seeded.result.created == 35
    assert _totals(db) == SEED_TOTALS


def test_header_with_line_breaks_and_amounts_in_wan(app, db):
    header = [
        "项目\n名称",
        "项目期限",
        "总投资\n（万元）",
        "2021-2025年\n投资额（万元）",
        "建设\r\n单位",
    ]
    data = _csv([header, ["城东小学", "2023-2025", "15000.5", "12,000", "镜湖开发办"]])
    outcome = _import(app, db, data, "wan.csv")
    assert outcome.ok, outcome.errors
    p = db.exec(select(Project)).one()
    assert p.total_investment_fen == 15_000_500_000  # 15000.5 万元 = 150,005,000 元
    assert p.window_investment_fen == 12_000_000_000
    assert p.builder == "镜湖开发办"


def test_xlsx_with_numbers_and_text_cells(app, db):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for cells in _seed_table_rows():
        row = list(cells)
        row[0] = int(row[0])
        row[5] = float(row[5])  # Excel keeps amounts as binary floats: 2.92, 1.42 …
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = _import(app, db, buffer.getvalue(), "table.xlsx")
    assert outcome.ok, outcome.errors
    assert _totals(db) == SEED_TOTALS
    p = db.exec(select(Project).where(Project.seq_no == "2")).one()
    assert (p.total_investment_text, p.window_investment_text) == ("2.92", "1.42 ")


def _government_xlsx(*, subtotal=("77.8", "48.39"), label="（一）教育事业项目35个") -> bytes:
    """The layout of the published table: a title, a header with line breaks, a merged subtotal."""
    book = Workbook()
    sheet = book.active
    sheet.append(["越城区教育事业发展“十四五”规划重大建设项目表"])
    sheet.merge_cells("A1:J1")
    header = list(HEADER)
    header[5] = "总投资\n（亿元）"
    sheet.append(header)
    sheet.append([label, None, None, None, None, float(subtotal[0]), float(subtotal[1])])
    sheet.merge_cells("A3:D3")
    for cells in _seed_table_rows():
        row = [int(cells[0]), *cells[1:5], float(cells[5]), float(cells[6]), *cells[7:10]]
        sheet.append([None if v == "" else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_government_layout_xlsx_imports_with_its_subtotal_checked(app, db):
    outcome = _import(app, db, _government_xlsx(), "越城区重大项目.xlsx")
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert outcome.subtotals_checked == 1
    assert outcome.result.created == 35
    assert _totals(db) == SEED_TOTALS


@pytest.mark.parametrize(
    ("subtotal", "label", "words"),
    [
        (("77.9", "48.39"), "（一）教育事业项目35个", "小计 77.90 亿元与各行合计 77.80 亿元不符"),
        (("77.8", "48.38"), "（一）教育事业项目35个", "小计 48.38 亿元与各行合计 48.39 亿元不符"),
        (("77.8", "48.39"), "（一）教育事业项目36个", "小计行写 36 个项目，表中实有 35 个"),
    ],
)
def test_government_layout_with_a_wrong_subtotal_is_refused(app, db, subtotal, label, words):
    outcome = _import(app, db, _government_xlsx(subtotal=subtotal, label=label), "bad.xlsx")
    assert not outcome.ok
    messages = [str(e) for e in outcome.errors]
    assert any(words in m and m.startswith("第 3 行") for m in messages), messages
    assert _totals(db)[0] == 0


def test_government_layout_reimport_updates_by_name(app, db):
    assert _import(app, db, _government_xlsx(), "a.xlsx").result.created == 35
    again = _import(app, db, _government_xlsx(), "a.xlsx")
    assert (again.result.created, again.result.updated) == (0, 0)
    assert _totals(db) == SEED_TOTALS


# Round trips ------------------------------------------------------------------------------------

INJECTIONS = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1:A9)", "'=already quoted"]


def _snapshot(db) -> dict[str, dict]:
    return {
        p.code: {field: getattr(p, field) for field in EDITABLE_FIELDS}
        for p in db.exec(select(Project).order_by(Project.code))
    }


def _poison(db):
    """Put text that spreadsheets would run as formulas into free-text fields."""
    projects = list(db.exec(select(Project).order_by(Project.code)))
    for p, text in zip(projects, INJECTIONS, strict=False):
        p.name = text
        p.remarks = text
        p.builder = text
    projects[0].content_text = '=HYPERLINK("http://x","点我")\n第二行'
    db.add_all(projects)
    db.commit()


def _export(auth, client, fmt: str) -> bytes:
    response = client.get(f"/projects/export.{fmt}")
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_export_import_round_trip(seeded, app, db, auth, client, fmt):
    _poison(db)
    before = _snapshot(db)
    auth.login("admin")
    data = _export(auth, client, fmt)
    # the file is safe to open: no cell starts with a formula character
    for row in _rows_of(data, fmt):
        for cell in row:
            assert not str(cell).startswith(("=", "+", "-", "@")), cell
    # re-import onto the same database: matched by code, nothing created or changed
    again = _import(app, db, data, f"export.{fmt}")
    assert again.ok, [str(e) for e in again.errors]
    assert (again.result.created, again.result.updated, again.result.unchanged) == (0, 0, 35)
    # into an empty database: the same data field by field
    db.close()
    _empty_tables(app.extensions["engine"])
    fresh = _import(app, db, data, f"export.{fmt}")
    assert fresh.ok and fresh.result.created == 35
    assert _snapshot(db) == before
    p = db.exec(select(Project).where(Project.code == "YC2022-02")).one()
    assert p.window_investment_text == "1.42 "
    assert {p.name for p in db.exec(select(Project))} >= set(INJECTIONS)


def _rows_of(data: bytes, fmt: str) -> list[list]:
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # Excel/WPS need the BOM to read UTF-8
        return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # never written as a formula
    return [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]


def test_export_keeps_filter_and_original_amount_text(seeded, auth, client):
    auth.login("finance")
    data = client.get("/projects/export.csv?stage=幼儿园").data
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    assert [r[1] for r in rows[1:]] == [
        "柯灵幼儿园百盛园区",
        "两湖幼儿园（暂名）",
        "871地块幼儿园（暂名）",
    ]
    assert sum(Decimal(r[5]) for r in rows[1:]) == Decimal("1.08")


def test_cli_export_then_import_round_trip(seeded, app, db, runner, tmp_path):
    before = _snapshot(db)
    for name in ("all.csv", "all.xlsx"):
        path = tmp_path / name
        result = runner.invoke(args=["export-projects", str(path)])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["import-projects", str(path)])
        assert result.exit_code == 0, result.output
        assert "新增 0 个，更新 0 个，未变 35 个" in result.output
    db.expire_all()
    assert _snapshot(db) == before


def test_reimport_with_a_change_updates_in_place_and_is_audited(seeded, app, db):
    from tracker.audit.models import AuditEntry

    text = SEED_CSV.read_text(encoding="utf-8-sig").replace("4.35,4.35", "4.53,4.35", 1)
    outcome = _import(app, db, text.encode("utf-8"), "fix.csv")
    assert (outcome.result.created, outcome.result.updated) == (0, 1)
    p = db.exec(select(Project).where(Project.code == "YC2022-14")).one()
    assert (p.total_investment_fen, p.version) == (4_53 * 10**8, 2)
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.entity_id == "YC2022-14", AuditEntry.action == "import")
    ).first()
    assert entry is not None and entry.version == 2
    assert {
        "field": "total_investment_fen",
        "old": 4_35 * 10**8,
        "new": 4_53 * 10**8,
    } in entry.changes
    assert isinstance(TEST_ACTOR, Actor)


SECTIONED = [
    ["越城区重大建设项目表"],
    ["序号", "项目名称", "项目期限", "总投资（亿元）", "2021-2025年投资额（亿元）"],
    ["（一）教育事业项目2个", "", "", "3", "2.5"],
    ["1", "甲小学", "2023-2025", "1.5", "1.5"],
    ["2", "乙中学", "2020-2022", "1.5", "1.0"],
    ["（二）体育事业项目1个", "", "", "0.5", "0.5"],
    ["1", "丙体育馆", "2024-2025", "0.5", "0.5"],
    ["合计", "", "", "3.5", "3.0"],
]


def test_several_sections_each_checked_against_their_own_rows(app, db):
    outcome = _import(app, db, _csv(SECTIONED), "sections.csv")
    assert outcome.ok, [str(e) for e in outcome.errors]
    assert (outcome.subtotals_checked, outcome.result.created) == (3, 3)


def test_a_wrong_section_subtotal_is_reported_on_its_line(app, db):
    rows = [list(r) for r in SECTIONED]
    rows[5][3] = "0.6"
    outcome = _import(app, db, _csv(rows), "sections.csv")
    assert [str(e) for e in outcome.errors] == [
        "第 6 行「总投资（亿元）」列：小计 0.60 亿元与各行合计 0.50 亿元不符"
    ]
    assert _totals(db)[0] == 0


def test_footer_subtotal_covers_the_rows_above_it(app, db):
    rows = [SECTIONED[1], SECTIONED[3], SECTIONED[4], ["小计", "", "", "3.0", "2.5"]]
    assert _import(app, db, _csv(rows), "footer.csv").subtotals_checked == 1
    rows[-1] = ["小计", "", "", "3.1", "2.5"]
    outcome = _import(app, db, _csv(rows), "footer.csv")
    assert [str(e) for e in outcome.errors] == [
        "第 4 行「总投资（亿元）」列：小计 3.10 亿元与各行合计 3.00 亿元不符"
    ]


def test_a_bad_row_is_not_also_blamed_on_the_subtotal(app, db):
    rows = [list(r) for r in SECTIONED]
    rows[3][3] = "一点五"
    outcome = _import(app, db, _csv(rows), "sections.csv")
    assert [str(e) for e in outcome.errors] == ["第 4 行「总投资（亿元）」列：「一点五」不是数字"]
