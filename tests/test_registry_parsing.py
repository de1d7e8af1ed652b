"""建设内容 of all 35 seed rows parsed into structured fields; 学段/建设性质 inferred; seats derived.

The expectations below were written by reading seed 001 (lines 477–881) by hand, not copied from
the parser's output: if the parser changes its mind about a row, this table says who is right.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from scripts.extract_seed_table import table_rows
from tracker.config import DEFAULT_CLASS_SIZES
from tracker.projects.logic import infer_nature, infer_ownership, infer_stage, seats
from tracker.projects.models import Project
from tracker.projects.parsing import parse_content

# A verbatim copy of ../shared/seeds/001_356db9a72693fc68.txt (the tests must run on a fresh clone).
SEED = Path(__file__).resolve().parent / "registry_data" / "001_356db9a72693fc68.txt"
D = Decimal

# seq: (classes_total, classes_added, sections, land m², 新增用地, floor m², 约, site text)
EXPECTED = {
    1: (24, 24, {}, D("23335"), False, D("19750"), False, ""),
    2: (30, 30, {}, D("39802"), False, D("42031"), False, ""),
    3: (42, 42, {}, D("40671"), False, D("42740"), False, ""),
    4: (48, 48, {}, D("31968"), False, D("32000"), False, ""),
    5: (
        27,
        27,
        {"学前段": 3, "义务段": 18, "高职": 6},
        D("17756"),
        False,
        D("17000"),
        False,
        "",
    ),
    6: (18, 18, {}, D("10068"), False, D("7198"), False, ""),
    7: (48, 48, {}, D("53677"), False, D("34932"), False, ""),
    8: (30, 30, {}, D("25501"), False, D("24500"), False, ""),
    9: (None, None, {}, D("1850"), True, D("13200"), False, ""),
    10: (48, 48, {}, D("55000"), False, D("60000"), False, "站前大道以东，河流以西，裕民路以北"),
    11: (None, None, {}, D("4883"), True, D("7000"), False, ""),
    12: (42, 42, {}, D("53946"), False, D("36000"), False, "松陵路以北，湖滨路以南，袍中路以西"),
    13: (36, 36, {}, D("35162"), False, D("23000"), False, "白塔路与规划8号路交叉口东北角"),
    # 「建筑面积43000平方观塘西路以西」: the area runs into the site without a comma
    14: (42, 42, {}, D("40200"), False, D("43000"), False, "观塘西路以西，育贤路以北，兴业路以南"),
    15: (42, 42, {}, D("35300"), False, D("43000"), False, "大庆寺路以东，香雪路以南，裕民路以北"),
    16: (12, 12, {}, D("6379"), False, D("5485"), False, ""),
    17: (12, 12, {}, D("6009"), False, None, False, ""),
    18: (None, None, {}, D("56670"), False, None, False, ""),
    19: (36, 36, {}, None, False, None, False, "选址环城北路以南，兴文桥直街以西，下大路北"),
    20: (42, 42, {}, D("372703.8"), False, D("46400"), False, ""),
    21: (48, 12, {}, None, False, None, False, ""),
    22: (42, 42, {}, None, False, None, False, "袍中路以东，会龙大道以西"),
    23: (42, 42, {}, D("41356"), False, None, False, "镜水路以东，规划4号路以西，5号路以北"),
    24: (48, 48, {}, None, False, None, False, "绿云路以东，梅南路以南"),
    25: (42, 42, {}, None, False, None, False, "育贤路以北，汤公路以西，运河以东"),
    26: (48, 48, {}, None, False, None, False, "洋江西路以北、张市路以东、规划道路以南"),
    27: (48, 48, {}, None, False, None, False, "拟选址中芯人才住宅项目芯馨雅苑西侧地块"),
    28: (42, 42, {}, None, False, None, False, "原又新小学西南地块"),
    29: (42, 42, {}, None, False, None, False, "群贤路以南，海南路以西"),
    30: (24, 24, {}, None, False, None, False, "拟选址地铁小镇西南"),
    31: (36, 36, {}, None, False, None, False, "汤公路以西，富陵路以南"),
    32: (24, 24, {}, D("26668"), False, D("16000"), True, ""),
    33: (36, 36, {}, None, False, None, False, "镜湖西南面，绿云路以东，群贤路以北"),
    34: (36, 36, {}, None, False, None, False, "镜湖东南面，环湖路以东，解放大道以西"),
    35: (36, 36, {}, None, False, None, False, "绿云路以东，群贤路以南，河流以北"),
}

# seq: (学段 inferred from the name, 建设性质, 办学性质). Row 20's name says no 学段 (None).
EXPECTED_KIND = {
    1: ("小学", "新建", "公办"),
    2: ("初中", "新建", "公办"),
    3: ("小学", "新建", "公办"),
    4: ("小学", "新建", "公办"),
    5: ("九年一贯制", "新建", "公办"),
    6: ("幼儿园", "新建", "公办"),
    7: ("初中", "新建", "公办"),
    8: ("小学", "新建", "公办"),
    9: ("小学", "改扩建", "公办"),
    10: ("初中", "新建", "公办"),
    11: ("初中", "扩建", "公办"),
    12: ("小学", "新建", "公办"),
    13: ("小学", "易地新建", "公办"),
    14: ("小学", "新建", "公办"),
    15: ("小学", "新建", "公办"),
    16: ("幼儿园", "新建", "公办"),
    17: ("幼儿园", "新建", "公办"),
    18: ("九年一贯制", "新建", "民办"),
    19: ("小学", "易地新建", "公办"),
    20: (None, "新建", "公办"),
    21: ("初中", "扩建", "公办"),
    22: ("小学", "重建", "公办"),
    23: ("小学", "新建", "公办"),
    24: ("初中", "新建", "公办"),
    25: ("初中", "新建", "公办"),
    26: ("小学", "新建", "公办"),
    27: ("小学", "新建", "公办"),
    28: ("小学", "改扩建", "公办"),
    29: ("初中", "新建", "公办"),
    30: ("小学", "新建", "公办"),
    31: ("小学", "新建", "公办"),
    32: ("小学", "易地新建", "公办"),
    33: ("小学", "新建", "公办"),
    34: ("小学", "新建", "公办"),
    35: ("小学", "新建", "公办"),
}


def _seed_rows() -> dict[int, list[str]]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return {
        int(cells[0]): cells
        for _, cells in table_rows(lines)
        if len(cells) >= 10 and cells[0].strip().isdigit()
    }


SEED_ROWS = _seed_rows()


def test_the_seed_table_has_35_numbered_rows():
    assert sorted(SEED_ROWS) == list(range(1, 36))
    assert sorted(EXPECTED) == sorted(EXPECTED_KIND) == list(range(1, 36))


@pytest.mark.parametrize("seq", sorted(EXPECTED))
def test_content_of_every_seed_row_parses(seq):
    content = SEED_ROWS[seq][4]
    total, added, sections, land, additional, floor, approx, site = EXPECTED[seq]
    parsed = parse_content(content)
    assert parsed.classes_total == total
    assert parsed.classes_added == added
    assert parsed.sections == sections
    assert parsed.land_area_m2 == land
    assert parsed.land_is_additional is additional
    assert parsed.floor_area_m2 == floor
    assert parsed.area_is_approximate is approx
    assert parsed.site_text == site


@pytest.mark.parametrize("seq", sorted(EXPECTED_KIND))
def test_stage_nature_and_ownership_inferred_from_every_name(seq):
    name = SEED_ROWS[seq][1]
    stage, nature, ownership = EXPECTED_KIND[seq]
    assert infer_stage(name) == stage
    assert infer_nature(name) == nature
    assert infer_ownership(name) == ownership


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("城东幼儿园", "幼儿园"),
        ("城东特殊教育学校", "特殊教育学校"),
        ("越城区九年一贯制学校", "九年一贯制"),
        ("稽山完全中学", "完全中学"),
        ("越州高级中学", "普通高中"),
        ("城南职业高级中学", "中职"),  # 职业 beats 高级中学
        ("绍兴市卫生学校迁建", "中职"),
        ("富盛镇中扩建", "初中"),
        ("鲁迅初级中学（暂名小学）", "初中"),  # the provisional part of a name does not decide
        ("教师发展中心", None),
    ],
)
def test_stage_keywords(name, stage):
    assert infer_stage(name) == stage


@pytest.mark.parametrize(
    ("content", "total", "added", "land", "floor", "approx", "additional"),
    [
        ("扩12班，到48班规模。", 48, 12, None, None, False, False),
        ("扩建6班至30班", 30, 6, None, None, False, False),
        ("24个班，用地约12000平方米，建筑面积约9000㎡", 24, 24, D("12000"), D("9000"), True, False),
        ("新增用地面积1850平米", None, None, D("1850"), None, False, True),
        ("打造高端民办学校", None, None, None, None, False, False),
        ("", None, None, None, None, False, False),
    ],
)
def test_content_variants(content, total, added, land, floor, approx, additional):
    parsed = parse_content(content)
    assert (parsed.classes_total, parsed.classes_added) == (total, added)
    assert (parsed.land_area_m2, parsed.floor_area_m2) == (land, floor)
    assert parsed.area_is_approximate is approx
    assert parsed.land_is_additional is additional


def test_seed_csv_keeps_every_original_cell_and_the_parsed_fields(seeded, db):
    from sqlmodel import select

    projects = {int(p.seq_no): p for p in db.exec(select(Project))}
    assert sorted(projects) == list(range(1, 36))
    for seq, cells in SEED_ROWS.items():
        p = projects[seq]
        name, period, place, content, total, window, builder, gov, remarks = cells[1:10]
        assert (p.name, p.period_text, p.subdistrict, p.content_text) == (
            name,
            period,
            place,
            content,
        )
        assert (p.total_investment_text, p.window_investment_text) == (total, window)
        assert (p.builder, p.government_text, p.remarks) == (builder, gov, remarks)
        ct, ca, sections, land, additional, floor, approx, site = EXPECTED[seq]
        assert (p.classes_total, p.classes_added, p.sections) == (ct, ca, sections)
        assert (p.land_area_m2, p.land_is_additional) == (land, additional)
        assert (p.floor_area_m2, p.area_is_approximate, p.site_text) == (floor, approx, site)
        stage, nature, ownership = EXPECTED_KIND[seq]
        assert p.stage == (stage or "初中")  # row 20 (绍初 = 绍兴市第一初级中学) set by curation
        assert (p.nature, p.ownership) == (nature, ownership)
        assert p.source_line == next(
            n for n, c in table_rows(SEED.read_text(encoding="utf-8").splitlines()) if c == cells
        )
    # original cells char for char, e.g. the trailing space of 「1.42 」
    assert projects[2].window_investment_text == "1.42 "
    assert projects[2].window_investment_fen == 14_200_000_000  # 1.42亿元 in fen
    assert projects[20].curation_note  # why 学段 was set by hand
    # rows with no class count stay without one
    assert [s for s, p in projects.items() if p.classes_total is None] == [9, 11, 18]


def test_seed_locations_carry_their_precision(seeded, db):
    from sqlmodel import select

    projects = {int(p.seq_no): p for p in db.exec(select(Project))}
    assert all(p.lat is not None and p.lon is not None for p in projects.values())
    road = {s for s, p in projects.items() if p.location_precision == "road"}
    assert road == {10, 14, 15, 19, 23, 24, 25, 26, 29, 31}
    assert {p.location_precision for p in projects.values()} == {"road", "subdistrict"}
    assert all(p.location_source for p in projects.values())
    assert all(29.8 < p.lat < 30.3 and 120.4 < p.lon < 120.9 for p in projects.values())


# Seats -------------------------------------------------------------------------------------------


def _project(**values) -> Project:
    base = {"code": "X", "name": "x", "stage": "小学", "nature": "新建"}
    return Project(**(base | values))


@pytest.mark.parametrize(
    ("stage", "classes", "expected"),
    [
        ("幼儿园", 12, 360),
        ("小学", 24, 1080),
        ("初中", 30, 1500),
        ("九年一贯制", 36, 1620),
        ("普通高中", 40, 2000),
        ("中职", 20, 900),
        ("特殊教育学校", 10, 120),
        ("其他", 10, 0),
    ],
)
def test_seats_derived_per_stage(stage, classes, expected):
    s = seats(_project(stage=stage, classes_total=classes), DEFAULT_CLASS_SIZES)
    assert (s.total, s.added, s.declared) == (expected, expected, False)


def test_seats_of_an_expansion_count_only_the_added_classes():
    s = seats(_project(stage="初中", classes_total=48, classes_added=12), DEFAULT_CLASS_SIZES)
    assert (s.total, s.added) == (2400, 600)


def test_seats_of_a_mixed_school_sum_its_sections():
    p = _project(stage="九年一贯制", classes_total=27, classes_added=27)
    p.sections_text = "学前段:3;义务段:18;高职:6"
    s = seats(p, DEFAULT_CLASS_SIZES)
    assert s.total == 3 * 30 + 18 * 45 + 6 * 45 == 1170
    assert s.added == 1170 and not s.declared


def test_seats_follow_configured_class_sizes():
    sizes = DEFAULT_CLASS_SIZES | {"小学": 40}
    assert seats(_project(classes_total=24), sizes).total == 960


def test_declared_seats_override_the_derivation():
    s = seats(_project(classes_total=24, declared_seats=1000), DEFAULT_CLASS_SIZES)
    assert (s.total, s.added, s.declared) == (1000, 1000, True)


def test_no_classes_means_no_seats_rather_than_zero():
    s = seats(_project(classes_total=None), DEFAULT_CLASS_SIZES)
    assert (s.total, s.added) == (None, None)


def test_relocations_are_marked_as_replacing_seats():
    assert seats(
        _project(nature="易地新建", classes_total=36), DEFAULT_CLASS_SIZES
    ).replaces_existing
    assert not seats(
        _project(nature="新建", classes_total=36), DEFAULT_CLASS_SIZES
    ).replaces_existing


def test_project_page_shows_derived_and_declared_seats(app, auth, client, db):
    from tests.conftest import make_project

    auth.login("admin")
    make_project(db, code="S-1", name="测试小学甲", classes_total=24, classes_added=24)
    make_project(db, code="S-2", name="测试小学乙", classes_total=24, declared_seats=1000)
    mixed = make_project(
        db, code="S-3", name="育才学校", stage="九年一贯制", classes_total=27, classes_added=27
    )
    mixed.sections_text = "学前段:3;义务段:18;高职:6"
    db.add(mixed)
    db.commit()
    derived = client.get("/projects/S-1").get_data(as_text=True)
    assert "1,080（新增 1,080）" in derived and "按班额推算" in derived
    declared = client.get("/projects/S-2").get_data(as_text=True)
    assert "1,000（新增 1,000）" in declared and "文件申报" in declared
    assert "1,170（新增 1,170）" in client.get("/projects/S-3").get_data(as_text=True)
    api = client.get("/api/projects/S-2").get_json()
    assert (api["seats_total"], api["seats_declared"]) == (1000, True)
