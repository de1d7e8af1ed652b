"""Briefs as officials get them: PDFs downloaded through the app and read back with pypdf and
pdftotext — Chinese text, figures from the database, embedded font, page numbers, filters."""

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from conftest import make_project
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import select

from tracker.milestones import summary as schedule
from tracker.money import yi
from tracker.projects.models import Project


def read_pdf(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def flat_text(reader: PdfReader) -> str:
    """All text with whitespace removed, so a name wrapped inside a table cell reads whole."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_fonts(reader: PdfReader) -> set[str]:
    found = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                found.add(str(font["/BaseFont"]))
    return found


def get_pdf(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    return response.data


def project_names(db, **where) -> list[str]:
    query = select(Project.name)
    for key, value in where.items():
        query = query.where(getattr(Project, key) == value)
    return list(db.exec(query))


def test_seed_portfolio_brief_shows_the_plan_figures(seeded, auth, client, db):
    auth.login("leader")
    reader = read_pdf(get_pdf(client, "/briefs/portfolio.pdf"))
    text = flat_text(reader)
    assert "学校建设项目总体简报" in text
    assert "35个" in text and "77.80亿元" in text and "48.39亿元" in text
    for name in project_names(db):
        assert re.sub(r"\s+", "", name) in text, name
    for heading in (
        "分街道情况",
        "分学段情况",
        "年度投资",
        "逾期项目",
        "开学风险",
        "规划目标",
        "附表：项目明细",
    ):
        assert heading in text
    assert "尚未录入规划目标" in text or "规划目标" in text
    pages = len(reader.pages)
    assert 2 <= pages <= 8
    for number, page in enumerate(reader.pages, 1):
        assert f"第{number}页共{pages}页" in re.sub(r"\s+", "", page.extract_text())
    assert any("WenQuanYi" in name for name in embedded_fonts(reader))
    meta = reader.metadata
    assert meta.title == "学校建设项目总体简报（全部项目）"
    assert meta.author == "学校建设项目管理"


def test_filtered_brief_shows_only_that_subdistrict(seeded, auth, client, db):
    auth.login("viewer")
    reader = read_pdf(get_pdf(client, "/briefs/portfolio.pdf?subdistrict=灵芝街道"))
    text = flat_text(reader)
    inside = project_names(db, subdistrict="灵芝街道")
    outside = [n for n in project_names(db) if n not in inside]
    assert inside and outside
    for name in inside:
        assert re.sub(r"\s+", "", name) in text
    for name in outside:
        assert re.sub(r"\s+", "", name) not in text, name
    total = db.exec(
        select(func.sum(Project.total_investment_fen)).where(Project.subdistrict == "灵芝街道")
    ).one()
    assert f"{len(inside)}个" in text and f"{yi(total)}亿元" in text
    assert "街道：灵芝街道" in text


def test_builder_filter_and_a_filter_matching_nothing(seeded, auth, client, db):
    auth.login("leader")
    text = flat_text(read_pdf(get_pdf(client, "/briefs/portfolio.pdf?builder=镜湖开发办")))
    built = project_names(db, builder="镜湖开发办")
    assert len(built) == 11 and "11个" in text
    assert all(re.sub(r"\s+", "", n) in text for n in built)
    assert "建设单位：镜湖开发办" in text
    reader = read_pdf(get_pdf(client, "/briefs/portfolio.pdf?subdistrict=没有这个街道"))
    text = flat_text(reader)
    assert "没有符合筛选条件" in text and "没有这个街道" in text
    assert len(reader.pages) == 1


def test_project_brief_is_one_page_with_the_project_figures(seeded, auth, client, db):
    auth.login("viewer")
    project = db.exec(select(Project).where(Project.code == "YC2022-20")).one()
    reader = read_pdf(get_pdf(client, "/projects/YC2022-20/brief.pdf"))
    text = flat_text(reader)
    assert len(reader.pages) == 1
    assert "绍初教育集团凤林校区（暂名）" in text and "YC2022-20" in text
    assert f"{yi(project.total_investment_fen)}亿元" in text
    assert f"{yi(project.window_investment_fen)}亿元" in text
    assert "用地面积每班约8,874平方米" in text  # the data-quality note
    assert "第1页共1页" in text
    assert reader.metadata.title == "项目简报：绍初教育集团凤林校区（暂名）"
    assert embedded_fonts(reader)


def test_overdue_and_term_risk_reach_both_briefs(seeded, auth, client, db, monkeypatch):
    project = db.exec(select(Project).where(Project.code == "YC2022-20")).one()
    late = schedule.ProjectHealth("逾期", "主体结顶", date(2026, 1, 5), 40, 2, True, -61, 2026)

    def health_for(session, ids, today):
        return {i: late if i == project.id else schedule.ProjectHealth("正常") for i in ids}

    def milestones_for(session, project_id, today):
        return [
            schedule.MilestoneRow("开工", date(2024, 3, 1), None, date(2024, 3, 9), False, False),
            schedule.MilestoneRow(
                "主体结顶", date(2025, 6, 1), date(2026, 1, 5), None, False, True, "凤林中学（筹）"
            ),
        ]

    monkeypatch.setattr(schedule, "health_for", health_for)
    monkeypatch.setattr(schedule, "milestones_for", milestones_for)
    auth.login("leader")
    text = flat_text(read_pdf(get_pdf(client, "/briefs/portfolio.pdf")))
    assert "逾期项目" in text and "没有逾期的项目" not in text
    assert "主体结顶2026-01-05" in text  # the overdue list row
    assert "凤林中学（筹）" in text  # responsible unit
    text = flat_text(read_pdf(get_pdf(client, "/projects/YC2022-20/brief.pdf")))
    assert "主体结顶" in text and "逾期" in text and "晚于开学前截止日（2026年8月31日）61天" in text


def test_bad_input_still_renders_cleanly(app, auth, client, db):
    nasty = "《测试》，学校；：！？）<b>粗体</b>&amp;<script>alert(1)</script>" + "长" * 140
    make_project(
        db,
        code="BAD-1",
        name=nasty[:200],
        classes_total=None,
        classes_added=None,
        lat=None,
        lon=None,
        subdistrict="",
        builder="<i>单位</i> & 公司",
        site_text="，。、；：" * 30,
        content_text="<para>未闭合的标签 &nbsp; ]]> " + "！？" * 50,
    )
    auth.login("admin")
    reader = read_pdf(get_pdf(client, "/projects/BAD-1/brief.pdf"))
    text = flat_text(reader)
    assert len(reader.pages) <= 2
    assert "<b>粗体</b>&amp;<script>" in text  # markup shown as text, not interpreted
    assert "<i>单位</i>&公司" in text
    assert "尚未录入里程碑" in text and "无法推算" in text
    assert "没有坐标" in text
    portfolio = flat_text(read_pdf(get_pdf(client, "/briefs/portfolio.pdf")))
    assert "<b>粗体</b>" in portfolio


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_no_line_starts_with_closing_punctuation(app, auth, client, db):
    """Kinsoku: a wrapped line never begins with ，。、；：！？）》 (pdftotext keeps the lines)."""
    long_name = "".join(
        f"第{i}期工程，含学校；配套：食堂、宿舍！好吗？（是）《规划》。" for i in range(3)
    )
    # Marks slid across every position of a line, so some must fall at a line end.
    content = "".join("字" * k + mark for k in range(1, 12) for mark in "，；：！？》")
    make_project(db, code="K-1", name=long_name[:200], content_text=content)
    auth.login("admin")
    data = get_pdf(client, "/projects/K-1/brief.pdf")
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    assert any("第0期工程" in line for line in lines)
    offending = [line for line in lines if line[0] in "，。、；：！？）》"]
    assert not offending, offending


def test_buttons_on_project_page_and_list_keep_the_filter(seeded, auth, client):
    auth.login("viewer")
    html = client.get("/projects/YC2022-20").get_data(as_text=True)
    assert 'href="/projects/YC2022-20/brief.pdf"' in html and "打印简报" in html
    html = client.get("/projects?subdistrict=灵芝街道&stage=小学").get_data(as_text=True)
    match = re.search(r'href="(/briefs/portfolio\.pdf[^"]*)"', html)
    assert match and "打印简报" in html
    url = match.group(1).replace("&amp;", "&")
    text = flat_text(read_pdf(get_pdf(client, url)))
    assert "学段：小学" in text and "街道：灵芝街道" in text


def test_briefs_need_a_login_and_an_existing_project(seeded, auth, client):
    response = client.get("/briefs/portfolio.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/projects/YC2022-20/brief.pdf").status_code == 302
    auth.login("viewer")
    assert client.get("/projects/NOPE/brief.pdf").status_code == 404


def test_brief_print_permission_is_checked(seeded, auth, client, monkeypatch):
    from tracker.accounts import roles

    monkeypatch.setitem(roles.PERMISSIONS, "brief.print", {"admin"})
    auth.login("viewer")
    assert client.get("/briefs/portfolio.pdf").status_code == 403
    assert client.get("/projects/YC2022-20/brief.pdf").status_code == 403
    assert "打印简报" not in client.get("/projects/YC2022-20").get_data(as_text=True)


def test_targets_and_yearly_investment_reach_the_portfolio_brief(seeded, auth, client, monkeypatch):
    from tracker.finance import summary as finance
    from tracker.targets import summary as targets

    row = targets.TargetRow(
        "越城区教育事业发展“十四五”规划",
        "新增公办幼儿园",
        "所",
        "15",
        2025,
        "3",
        "12",
        False,
        "001_356db9a72693fc68.txt 第 271 行",
    )
    monkeypatch.setattr(targets, "brief_rows", lambda session, f, today: [row])
    years = [finance.YearAmounts(2024, 3_000_000_000_00, 2_500_000_000_00)]
    monkeypatch.setattr(finance, "yearly_totals", lambda session, ids: years)
    auth.login("leader")
    text = flat_text(read_pdf(get_pdf(client, "/briefs/portfolio.pdf")))
    assert "新增公办幼儿园" in text and "15所" in text and "落后" in text
    assert "分年度投资（计划与完成）" in text
    assert "202430.0025.0083.3%" in text  # year, plan, completed, rate in one table row


def test_long_tables_repeat_their_header_on_every_page(app, auth, client, db):
    for number in range(1, 151):
        make_project(db, number=number, name=f"测试第{number}小学（暂名）扩建工程")
    auth.login("admin")
    reader = read_pdf(get_pdf(client, "/briefs/portfolio.pdf"))
    pages = [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]
    appendix = [i for i, page in enumerate(pages) if "附表：项目明细" in page][0]
    assert len(pages) - appendix >= 3  # the table runs over several pages
    for page in pages[appendix:]:
        assert "序号项目名称学段街道建设单位期限新增学位总投资" in page
    assert "合计150个项目" in pages[-1]
    assert "测试第150小学（暂名）扩建工程" in "".join(pages[appendix:])
