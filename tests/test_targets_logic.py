"""Pure rules of plan targets: rules, matching, attainment with fixed dates, pace, flags, roll-ups."""

from datetime import date
from decimal import Decimal

import pytest

from tracker.targets import logic
from tracker.targets.logic import ProjectFacts, TargetSpec

LIANYUN = "江苏省/连云港市/连云区"
KG_RULE = "计数: 学段=幼儿园; 建设性质=新建,改扩建,扩建"


def facts(pid, **overrides):
    values = dict(
        id=pid,
        code=f"P{pid}",
        name=f"测试幼儿园{pid}",
        stage="幼儿园",
        nature="新建",
        ownership="公办",
        status="列入规划",
        path=f"{LIANYUN}/墟沟街道",
        seats_added=270,
        window_fen=100_000_000_00,
        delivered_on=None,
    )
    return ProjectFacts(**(values | overrides))


def spec(**overrides):
    values = dict(
        jurisdiction=LIANYUN,
        unit="所",
        comparator="≥",
        target_value=Decimal(8),
        target_year=2025,
        baseline=None,
        baseline_year=None,
        plan_start=2021,
    )
    return TargetSpec(**(values | overrides))


def test_rule_is_parsed_with_chinese_or_ascii_punctuation():
    rule = logic.parse_rule("计数：学段=幼儿园，小学；建设性质=新建; 计入=竣工")
    assert rule.measure == "计数"
    assert rule.stages == {"幼儿园", "小学"} and rule.natures == {"新建"}
    assert rule.threshold == "竣工"
    assert "幼儿园" in rule.describe() and "竣工" in rule.describe()
    assert logic.parse_rule("统计").computed is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "没有填写计算规则"),
        ("面积: 学段=幼儿园", "计量「面积」无法识别"),
        ("计数: 学段=大学", "「大学」无法识别"),
        ("计数: 颜色=红", "「颜色=红」无法识别"),
        ("计数: 学段", "应写作 键=值"),
        ("计数: 计入=完工", "「完工」无法识别"),
    ],
)
def test_unreadable_rules_say_why_in_chinese(text, message):
    with pytest.raises(logic.RuleError) as exc:
        logic.parse_rule(text)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("rule", "unit", "ok"),
    [
        ("计数", "所", True),
        ("计数", "学位", False),
        ("学位", "学位", True),
        ("床位", "学位", False),
        ("投资", "亿元", True),
        ("投资", "所", False),
        ("统计", "%", True),
    ],
)
def test_unit_must_match_rule(rule, unit, ok):
    problem = logic.unit_problem(logic.parse_rule(rule), unit)
    assert (problem is None) == ok
    if not ok:
        assert f"单位「{unit}」" in problem


def test_matching_respects_jurisdiction_stage_nature_and_name():
    rule = logic.parse_rule(KG_RULE)
    assert logic.matches(rule, facts(1), LIANYUN)
    assert logic.matches(rule, facts(1), "江苏省/连云港市")  # a city holds its districts
    assert not logic.matches(rule, facts(1), "江苏省/常州市")
    assert not logic.matches(rule, facts(1, stage="小学"), LIANYUN)
    assert not logic.matches(rule, facts(1, nature="加固改造"), LIANYUN)
    named = logic.parse_rule("床位: 名称含=第二中学")
    assert logic.matches(named, facts(1, name="连州市第二中学宿舍"), LIANYUN)
    assert not logic.matches(named, facts(1, name="连州中学宿舍"), LIANYUN)


def test_a_kindergarten_reaching_handover_moves_the_count_from_0_to_1():
    rule = logic.parse_rule(KG_RULE)
    today = date(2024, 6, 30)
    before = logic.attainment(spec(), rule, [facts(1, status="在建")], {}, today)
    assert (before.completed, before.under_way, before.planned) == (0, 1, 0)
    after = logic.attainment(
        spec(), rule, [facts(1, status="在建", delivered_on=date(2024, 6, 1))], {}, today
    )
    assert after.completed == 1 and after.under_way == 0
    assert after.gap == 7
    # A handover dated after `today` has not happened yet.
    future = logic.attainment(
        spec(), rule, [facts(1, status="在建", delivered_on=date(2024, 7, 1))], {}, today
    )
    assert future.completed == 0


def test_no_projects_means_zero_of_target_with_a_note_not_an_error():
    result = logic.attainment(spec(), logic.parse_rule(KG_RULE), [], {}, date(2024, 1, 1))
    assert result.completed == 0 and result.gap == 8
    assert result.note == "尚未关联项目"


def test_links_include_and_exclude_override_the_rule():
    rule = logic.parse_rule(KG_RULE)
    elsewhere = facts(2, path="浙江省/绍兴市/越城区/灵芝街道", status="交付使用")
    matched = facts(1, status="交付使用")
    result = logic.attainment(
        spec(), rule, [matched, elsewhere], {2: "include", 1: "exclude"}, date(2024, 1, 1)
    )
    assert result.project_ids == [2] and result.completed == 1


def test_stopped_and_before_period_projects_do_not_count():
    rule = logic.parse_rule(KG_RULE)
    projects = [
        facts(1, status="停建"),
        facts(2, status="交付使用", delivered_on=date(2019, 8, 1)),
        facts(3, status="交付使用"),
    ]
    result = logic.attainment(spec(), rule, projects, {}, date(2024, 1, 1))
    assert result.completed == 1
    assert result.counted == {1: "不计（停建）", 2: "不计（规划期前已交付）", 3: "已完成"}


def test_seats_sum_declared_or_derived_figures_and_report_missing_ones():
    rule = logic.parse_rule("学位: 学段=幼儿园; 计入=竣工")
    projects = [facts(1, status="竣工"), facts(2, status="在建"), facts(3, seats_added=None)]
    result = logic.attainment(
        spec(unit="学位", target_value=Decimal(2000)), rule, projects, {}, date(2024, 1, 1)
    )
    assert (result.completed, result.under_way, result.planned) == (270, 270, 0)
    assert result.missing_figures == 1


def test_investment_uses_completed_fen_in_the_target_unit_exactly():
    rule = logic.parse_rule("投资")
    result = logic.attainment(
        spec(unit="亿元", target_value=Decimal("36.12")),
        rule,
        [facts(1), facts(2)],
        {},
        date(2023, 1, 1),
        completed_fen=1_234_567_890_1,
    )
    assert result.completed == Decimal("1.2345678901")
    assert result.planned == Decimal("2")
    assert result.gap == Decimal("34.8854321099")


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2020, 6, 1), Decimal("0.00")),  # before the period: nothing due yet
        (date(2021, 1, 1), Decimal("0.00")),
        (date(2023, 7, 2), Decimal("4.00")),  # half-way through 2021–2025
        (date(2025, 12, 31), Decimal("8.00")),
        (date(2027, 1, 1), Decimal("8.00")),
    ],
)
def test_linear_pace_from_the_year_after_the_baseline(today, expected):
    start = logic.period_start(2020, None)
    assert start == date(2021, 1, 1)
    assert logic.expected_by(Decimal(8), start, 2025, today) == expected


def test_on_pace_compares_completed_with_the_linear_share():
    rule = logic.parse_rule(KG_RULE)
    done = [facts(i, status="交付使用") for i in range(4)]
    on = logic.attainment(spec(), rule, done, {}, date(2023, 7, 2))
    assert on.expected_now == Decimal("4.00") and on.on_pace is True
    behind = logic.attainment(spec(), rule, done[:3], {}, date(2023, 7, 2))
    assert behind.on_pace is False
    no_year = logic.attainment(spec(target_year=None), rule, done, {}, date(2023, 7, 2))
    assert no_year.on_pace is None


def test_static_flags_for_bad_input():
    rule, flags = logic.static_flags(
        spec(unit="学位", baseline=Decimal("98.2"), baseline_year=2026, target_value=Decimal(96)),
        KG_RULE,
    )
    messages = [f.message for f in flags]
    assert rule is None  # unit mismatch: not computed, but nothing breaks
    assert any("单位「学位」与计算规则「计数」不符" in m for m in messages)
    assert any("基线年份（2026）晚于目标年份（2025）" in m for m in messages)
    assert any("目标值（96）低于基线值（98.2" in m for m in messages)
    _, flags = logic.static_flags(spec(), "乱写")
    assert flags[0].level == "error" and "计算规则有误" in flags[0].message


def test_contradicting_targets_are_flagged_both_ways():
    stated = [
        logic.Stated("a", "连州市", "毛入园率", 2025, Decimal(98), "98%以上", "第221行"),
        logic.Stated("b", "连州市", "毛入园率", 2025, Decimal(99), "99%", "第296行"),
        logic.Stated("c", "连州市", "巩固率", 2025, Decimal(96), "≥96", "第257行"),
    ]
    flags = logic.contradictions(stated)
    assert set(flags) == {"a", "b"}
    assert "第296行 写作「99%」" in flags["a"][0].message
    assert "第221行 写作「98%以上」" in flags["b"][0].message


def test_roll_up_sums_parts_and_flags_a_mismatch():
    parts = [(n, Decimal(v)) for n, v in [("市本级", 8), ("溧阳市", 4), ("金坛区", 5)]]
    assert logic.roll_up(Decimal(17), "≥", parts).agrees
    mismatch = logic.roll_up(Decimal(2000), "≈", [("a", Decimal(840)), ("b", Decimal(2900))])
    assert mismatch.total == 3740 and "分项合计 3740 与总目标 2000 不一致" in mismatch.flag.message


def test_exact_formatting_and_bars():
    assert logic.fmt(Decimal("8.0000")) == "8"
    assert logic.fmt(Decimal("36.1200")) == "36.12"
    assert logic.fmt(Decimal("0")) == "0"
    assert logic.bar_percent(Decimal(1), Decimal(8)) == 12
    assert logic.bar_percent(Decimal(20), Decimal(8)) == 100
    assert logic.bar_percent(Decimal(1), None) == 0
