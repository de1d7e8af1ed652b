"""Data-quality checks flag the seed table's known oddities and never change the figures."""

import re

from sqlmodel import select

from tests.conftest import make_project
from tracker.projects.models import Project
from tracker.projects.quality import portfolio_flags, project_flags, sections_mismatch

SETTINGS = {"window": (2021, 2025), "max_land_per_class": 3000, "cost_factor": 1.5}


def _flags_by_seq(db) -> dict[str, set[int]]:
    projects = list(db.exec(select(Project)))
    seq = {p.id: int(p.seq_no) for p in projects}
    found: dict[str, set[int]] = {}
    for pid, flags in portfolio_flags(projects, **SETTINGS).items():
        for flag in flags:
            found.setdefault(flag.code, set()).add(seq[pid])
    return found


def test_seed_flags_are_exactly_the_known_oddities(seeded, db):
    found = _flags_by_seq(db)
    assert found.pop("land_per_class") == {20}  # 372703.8 m² for 42 classes
    assert found.pop("window_differs_inside") == {23}  # 3亿 vs 2亿 though 2023-2025
    assert found.pop("window_equals_total_early_start") == {7}  # 2020 start, 2.95 = 2.95
    assert found.pop("no_classes") == {9, 11, 18}
    assert found.pop("sections_mismatch") == {5}  # 育才学校: 学前段 and 高职 in a 九年一贯制
    # per-class cost off the 学段 median by more than 1.5×: 14 (4.35亿/42班) but not 15 (2.8亿/42班)
    assert found.pop("cost_per_class") == {6, 14, 19, 28, 30}
    assert found == {}  # nothing else: no window above total, every row has a location


def test_flags_never_change_the_data(seeded, db):
    before = [(p.id, p.land_area_m2, p.window_investment_fen) for p in db.exec(select(Project))]
    portfolio_flags(list(db.exec(select(Project))), **SETTINGS)
    after = [(p.id, p.land_area_m2, p.window_investment_fen) for p in db.exec(select(Project))]
    assert before == after
    row20 = db.exec(select(Project).where(Project.seq_no == "20")).one()
    assert str(row20.land_area_m2) == "372703.80"


def test_window_above_total_is_flagged(app, db):
    p = make_project(db, total_investment_fen=10_000, window_investment_fen=20_000)
    codes = [f.code for f in project_flags(p, window=(2021, 2025), max_land_per_class=3000)]
    assert "window_above_total" in codes


def test_additional_land_is_not_judged_per_class(app, db):
    p = make_project(db, land_area_m2=200_000, land_is_additional=True, classes_total=12)
    codes = [f.code for f in project_flags(p, window=(2021, 2025), max_land_per_class=3000)]
    assert "land_per_class" not in codes


def test_sections_mismatch_rules():
    assert sections_mismatch("九年一贯制", {"学前段": 3, "义务段": 18, "高职": 6}) == [
        "学前段",
        "高职",
    ]
    assert sections_mismatch("九年一贯制", {"小学段": 24, "初中段": 12}) == []
    assert sections_mismatch("完全中学", {"初中部": 18, "高中部": 12}) == []
    assert sections_mismatch("小学", {"初中部": 6}) == ["初中部"]
    assert sections_mismatch("特殊教育学校", {"学前段": 3, "义务段": 18, "职高": 6}) == []
    assert sections_mismatch("小学", {}) == []


def test_correcting_the_stage_clears_the_sections_flag(seeded, db):
    yucai = db.exec(select(Project).where(Project.seq_no == "5")).one()
    yucai.stage = "特殊教育学校"
    codes = [f.code for f in project_flags(yucai, window=(2021, 2025), max_land_per_class=3000)]
    assert "sections_mismatch" not in codes


def test_quality_page_lists_flagged_projects(seeded, auth, client):
    auth.login("viewer")
    html = client.get("/projects/quality").get_data(as_text=True)
    assert re.search(r"35 个项目中有 <strong>(\d+)</strong> 个需要核对", html)
    for code, words in {
        "YC2022-20": "每班约 8,874 平方米",
        "YC2022-23": "相差 1.00 亿元无法解释",
        "YC2022-07": "2020 年开始",
        "YC2022-09": "未写明班数",
        "YC2022-05": "请核实学段",
        "YC2022-14": "每班投资 1,036 万元",
    }.items():
        row = html.split(f">{code}</a>", 1)[1].split("</tr>", 1)[0]
        assert words in row, code


def test_project_page_shows_its_flags(seeded, auth, client):
    auth.login("viewer")
    assert "每班投资 1,036 万元" in client.get("/projects/YC2022-14").get_data(as_text=True)
    page15 = client.get("/projects/YC2022-15").get_data(as_text=True)
    assert "每班投资" not in page15
    assert "请核实学段" in client.get("/projects/YC2022-05").get_data(as_text=True)
