"""The brief content as plain data (no ReportLab): golden files pin what each brief says.
Regenerate after an intended change with UPDATE_GOLDEN=1 and read the diff."""

import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.briefs.logic import portfolio_brief_data, project_brief_data, term_text
from tracker.config import DEFAULT_CLASS_SIZES
from tracker.finance.summary import YearAmounts
from tracker.milestones.summary import MilestoneRow, ProjectHealth
from tracker.projects.logic import seats
from tracker.projects.models import Project
from tracker.projects.quality import Flag
from tracker.targets.summary import TargetRow

GOLDEN = Path(__file__).parent / "golden" / "briefs"
AS_OF = date(2026, 6, 1)
WINDOW = (2021, 2025)


def check_golden(name: str, data: dict) -> None:
    path = GOLDEN / f"{name}.json"
    shown = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(shown, encoding="utf-8")
    assert path.exists(), f"golden file {path} missing: run with UPDATE_GOLDEN=1"
    assert json.loads(shown) == json.loads(path.read_text(encoding="utf-8"))


def seed_projects(db) -> list[Project]:
    return list(db.exec(select(Project).order_by(Project.code)))


def schedule_for(projects) -> dict[int, ProjectHealth]:
    """A fixed schedule picture: two projects overdue, one also at risk of missing 1 September."""
    by_code = {p.code: p for p in projects}
    health = {p.id: ProjectHealth("正常") for p in projects}
    health[by_code["YC2022-20"].id] = ProjectHealth(
        "逾期", "开工", date(2026, 3, 1), 92, 2, True, -45, 2026
    )
    health[by_code["YC2022-07"].id] = ProjectHealth("逾期", "竣工验收", date(2026, 5, 2), 30, 1)
    health[by_code["YC2022-01"].id] = ProjectHealth("已完成")
    return health


def fixed_flags(projects) -> dict[int, list[Flag]]:
    """Data-quality findings as the registry reports them (fixed here: the golden files pin the
    brief's wording, not the registry's checks)."""
    by_code = {p.code: p for p in projects}
    found = {}
    if "YC2022-20" in by_code:
        found[by_code["YC2022-20"].id] = [
            Flag("land_per_class", "用地面积每班约 8,874 平方米，远高于常见水平"),
            Flag("no_location", "没有坐标，地图上无法显示"),
        ]
    if "YC2022-23" in by_code:
        found[by_code["YC2022-23"].id] = [Flag("window_differs_inside", "规划期投资不等于总投资")]
        found[by_code["YC2022-14"].id] = [Flag("new_check_code", "将来新增的检查")]
    return found


MILESTONES = [
    MilestoneRow("立项批复", date(2023, 2, 1), None, date(2023, 2, 10), False, False, "区发改局"),
    MilestoneRow("开工", date(2024, 3, 1), date(2026, 3, 1), None, False, True, "镜湖开发办"),
    MilestoneRow("交付使用", date(2026, 7, 31), None, None, True, False),
]


def test_seed_portfolio_data_matches_golden(seeded, db):
    projects = seed_projects(db)
    data = portfolio_brief_data(
        projects,
        seats={p.id: seats(p, DEFAULT_CLASS_SIZES) for p in projects},
        health=schedule_for(projects),
        yearly=[
            YearAmounts(2024, 12_000_000_000, 11_500_000_000),
            YearAmounts(2025, 15_000_000_000, None),
        ],
        targets=[
            TargetRow(
                "越城区“十四五”教育规划",
                "新增公办幼儿园",
                "所",
                "15",
                2025,
                "3",
                "12",
                False,
                "001_356db9a72693fc68.txt 第 271 行",
            ),
        ],
        flags=fixed_flags(projects),
        as_of=AS_OF,
        window=WINDOW,
    )
    check_golden("portfolio_seed", data)
    # The figures officials compare with the plan document.
    figures = {item["label"]: item["value"] for item in data["headline"]}
    assert figures["项目数"] == "35"
    assert figures["总投资"] == "77.80"
    assert figures["2021–2025年投资"] == "48.39"
    assert figures["逾期项目"] == "2" and figures["开学风险学校"] == "1"
    assert data["by_subdistrict"]["total"][3] == "77.80"
    assert data["by_stage"]["total"][4] == "48.39"
    assert data["projects"]["total"][7:9] == ["77.80", "48.39"]
    assert [row[0] for row in data["overdue"]["rows"]] == [
        "绍初教育集团凤林校区（暂名）",
        next(p.name for p in projects if p.code == "YC2022-07"),
    ]
    assert data["term_risk"]["rows"][0][2] == "预计晚 45 天"
    assert data["yearly"]["total"] == ["合计", "2.70", "1.15", "42.6%"]


def test_empty_portfolio_says_so():
    data = portfolio_brief_data(
        [],
        seats={},
        health={},
        yearly=[],
        targets=[],
        flags={},
        as_of=AS_OF,
        window=WINDOW,
        scope="街道：不存在街道",
    )
    check_golden("portfolio_empty", data)
    assert data["empty"] and "没有符合筛选条件" in data["empty_note"]
    assert data["targets"]["empty_note"].startswith("尚未录入规划目标")


def test_project_data_matches_golden(seeded, db):
    project = db.exec(select(Project).where(Project.code == "YC2022-20")).one()
    data = project_brief_data(
        project,
        seats=seats(project, DEFAULT_CLASS_SIZES),
        health=ProjectHealth("逾期", "开工", date(2026, 3, 1), 92, 1, True, -45, 2026),
        milestones=MILESTONES,
        yearly=[YearAmounts(2025, 100_000_000_00, 40_000_000_00)],
        flags=fixed_flags([project])[project.id],
        as_of=AS_OF,
        window=WINDOW,
    )
    check_golden("project_YC2022-20", data)
    assert data["milestones"]["overdue_rows"] == [1]
    assert data["milestones"]["rows"][1][4] == "逾期 92 天"
    assert data["milestones"]["rows"][2][1] == "2026-07-31（估）"
    assert data["term_risk"] and "晚于开学前截止日（2026 年 8 月 31 日）45 天" in data["term"]
    assert any("用地面积每班" in message for message in data["quality"])
    assert dict(data["money"])["总投资"] == "3.50 亿元"
    assert data["yearly"]["rows"] == [["2025", "10,000.00", "4,000.00", "40.0%"]]


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "某" * 200},
        {"classes_total": None, "classes_added": None, "lat": None, "lon": None},
        {"name": "《测试》，学校；：！？）——<b>&amp;</b>", "site_text": "", "builder": ""},
    ],
)
def test_project_data_with_bad_input(overrides):
    values = {"id": 1, "code": "X-1", "name": "测试小学", "stage": "小学", "subdistrict": ""}
    project = Project(**(values | overrides))
    data = project_brief_data(
        project,
        seats=seats(project, DEFAULT_CLASS_SIZES),
        health=None,
        milestones=[],
        yearly=[],
        flags=[],
        as_of=AS_OF,
        window=WINDOW,
    )
    assert data["title"] == overrides.get("name", "测试小学")  # shown verbatim, escaped later
    assert data["milestones"]["empty_note"] == "尚未录入里程碑"
    assert data["yearly"]["empty_note"]
    if overrides.get("classes_total", 0) is None:
        assert dict(data["capacity"])["学位"].startswith("无法推算")
        assert dict(data["identity"])["建设地点"] == "—"


def test_bad_input_golden():
    project = Project(
        id=7,
        code="BAD-1",
        name="《测试》，学校；：！？）<script>alert(1)</script>&amp;" + "长" * 150,
        stage="其他",
        classes_total=None,
        remarks="备注：，，，。。。<i>",
    )
    data = project_brief_data(
        project,
        seats=seats(project, DEFAULT_CLASS_SIZES),
        health=None,
        milestones=[],
        yearly=[],
        flags=[],
        as_of=AS_OF,
        window=WINDOW,
    )
    check_golden("project_bad_input", data)


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        (None, "无法判断（未定开学年份）"),
        (ProjectHealth("正常"), "无法判断（未定开学年份）"),
        (ProjectHealth("正常", opening_year=2026), "无法判断（尚无交付使用日期）"),
        (
            ProjectHealth("正常", term_slack_days=30, opening_year=2026),
            "按期，距开学前交付截止日（2026 年 8 月 31 日）尚余 30 天",
        ),
        (
            ProjectHealth("逾期", term_risk=True, term_slack_days=-12, opening_year=2026),
            "有风险，预计交付使用晚于开学前截止日（2026 年 8 月 31 日）12 天",
        ),
        # The cut-off passed with nobody recording the handover: a risk, but not "0 days late".
        (
            ProjectHealth("逾期", term_risk=True, term_slack_days=0, opening_year=2025),
            "有风险，开学前截止日（2025 年 8 月 31 日）已过，尚未录入交付使用",
        ),
        (
            ProjectHealth("已完成", term_slack_days=40, opening_year=2025),
            "已交付使用（开学前截止日 2025 年 8 月 31 日）",
        ),
    ],
)
def test_term_sentence(health, expected):
    assert term_text(health, (8, 31), AS_OF) == expected
