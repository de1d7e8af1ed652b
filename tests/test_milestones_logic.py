"""The pure schedule rules with fixed dates: layout, overdue, due soon, slip, stale, term start,
health, and the checks on a submitted plan."""

from dataclasses import dataclass
from datetime import date

import pytest

from tracker.config import DEFAULTS
from tracker.milestones import logic
from tracker.milestones.validation import RowInput, check_plan, parse_date

RULES = logic.Rules(due_soon_days=30, stale_days=90)
PHASES = logic.parse_template(DEFAULTS["MILESTONE_TEMPLATE"])


@dataclass
class M:
    name: str
    position: int = 1
    planned_on: date | None = None
    baseline_on: date | None = None
    forecast_on: date | None = None
    actual_on: date | None = None
    is_estimate: bool = False
    id: int = 1


def test_layout_follows_the_documented_rule():
    plan = dict(logic.layout(PHASES, 2023, 2025, RULES))
    assert list(plan) == [p.name for p in PHASES]
    assert plan["立项批复"].year == 2023 and plan["立项批复"].month == 1
    assert plan["竣工验收"].year == 2025 and plan["竣工验收"].month == 7
    assert plan["交付使用"] == date(2025, 8, 31)
    assert plan["开学招生"] == date(2025, 9, 1)
    days = list(plan.values())
    assert days == sorted(days)


def test_layout_of_a_one_year_project_stays_in_order_and_without_years_has_no_dates():
    plan = logic.layout(PHASES, 2026, 2026, RULES)
    days = [d for _, d in plan]
    assert days == sorted(days) and days[0] >= date(2026, 1, 1)
    assert dict(plan)["交付使用"] == date(2026, 8, 31)
    assert all(d is None for _, d in logic.layout(PHASES, None, None, RULES))


@pytest.mark.parametrize(
    "raw",
    [
        [],
        [["立项批复"]],
        [["a", "span:1.5"]],
        [["a", "end:02-30"]],
        [["a", "x"]],
        [["a", "span:0.1"], ["a", "span:0.2"]],
    ],
)
def test_bad_templates_are_refused(raw):
    with pytest.raises(logic.TemplateError):
        logic.parse_template(raw)


TODAY = date(2025, 3, 10)


def test_overdue_uses_the_forecast_else_the_plan():
    assert logic.is_overdue(M("开工", planned_on=date(2025, 3, 9)), TODAY)
    assert not logic.is_overdue(M("开工", planned_on=date(2025, 3, 10)), TODAY)
    assert not logic.is_overdue(
        M("开工", planned_on=date(2025, 3, 1), forecast_on=date(2025, 4, 1)), TODAY
    )
    assert not logic.is_overdue(
        M("开工", planned_on=date(2025, 3, 1), actual_on=date(2025, 3, 5)), TODAY
    )
    assert logic.days_overdue(M("开工", planned_on=date(2025, 2, 28)), TODAY) == 10


def test_due_soon_has_a_look_ahead():
    assert logic.is_due_soon(M("开工", planned_on=date(2025, 4, 9)), TODAY, 30)
    assert not logic.is_due_soon(M("开工", planned_on=date(2025, 4, 10)), TODAY, 30)
    assert not logic.is_due_soon(M("开工", planned_on=date(2025, 3, 9)), TODAY, 30)  # overdue


def test_slip_against_the_baseline():
    m = M(
        "开工",
        planned_on=date(2025, 3, 1),
        baseline_on=date(2025, 3, 1),
        forecast_on=date(2025, 5, 1),
    )
    assert logic.slip_days(m) == 61
    m.actual_on = date(2025, 3, 4)
    assert logic.slip_days(m) == 3
    assert logic.slip_days(M("开工")) is None


def test_stale_after_n_days():
    assert logic.is_stale(date(2024, 12, 9), TODAY, 90)
    assert not logic.is_stale(date(2024, 12, 10), TODAY, 90)
    assert not logic.is_stale(None, TODAY, 90)


def test_term_start_risk_and_slack():
    handover = M("交付使用", planned_on=date(2025, 8, 20))
    t = logic.term_outlook(handover, 2025, TODAY, RULES)
    assert (t.at_risk, t.slack_days, t.cutoff) == (False, 11, date(2025, 8, 31))
    handover.forecast_on = date(2025, 9, 15)
    t = logic.term_outlook(handover, 2025, TODAY, RULES)
    assert t.at_risk and t.slack_days == -15
    # The opening year is editable: a year later the same date is fine.
    assert not logic.term_outlook(handover, 2026, TODAY, RULES).at_risk
    # Past the cut-off without a recorded handover: at risk even if the plan said 31 August.
    late = M("交付使用", planned_on=date(2025, 8, 31))
    assert logic.term_outlook(late, 2025, date(2025, 9, 1), RULES).at_risk
    # A recorded handover is history.
    late.actual_on = date(2025, 9, 3)
    done = logic.term_outlook(late, 2025, date(2025, 10, 1), RULES)
    assert not done.at_risk and done.delivered and done.slack_days == -3
    # The cut-off is a setting.
    july = logic.Rules(cutoff_month=7, cutoff_day=31)
    assert logic.term_outlook(
        M("交付使用", planned_on=date(2025, 8, 20)), 2025, TODAY, july
    ).at_risk


def _plan(**dates):
    names = ["立项批复", "开工", "交付使用"]
    return [M(n, position=i, id=i, planned_on=dates.get(n)) for i, n in enumerate(names, 1)]


@pytest.mark.parametrize(
    ("today", "changes", "label"),
    [
        (date(2023, 12, 1), {}, "未开始"),
        (date(2024, 6, 1), {"立项批复": "actual"}, "正常"),
        (date(2024, 6, 1), {}, "逾期"),
        (date(2024, 6, 1), {"立项批复": "actual", "交付使用": "forecast"}, "有风险"),
        (date(2026, 1, 1), {"*": "actual"}, "已完成"),
    ],
)
def test_health_labels(today, changes, label):
    ms = _plan(立项批复=date(2024, 1, 31), 开工=date(2024, 9, 1), 交付使用=date(2025, 8, 31))
    for m in ms:
        what = changes.get(m.name) or changes.get("*")
        if what == "actual":
            m.actual_on = m.planned_on
        elif what == "forecast":
            m.forecast_on = date(2025, 10, 1)
    e = logic.evaluate(ms, today=today, rules=RULES, opening_year=2025, last_update=today)
    assert e.label == label


def test_stale_project_is_at_risk_but_a_future_one_is_not():
    ms = _plan(立项批复=date(2024, 1, 31), 开工=date(2024, 9, 1), 交付使用=date(2025, 8, 31))
    ms[0].actual_on = date(2024, 1, 31)
    e = logic.evaluate(
        ms, today=date(2024, 6, 1), rules=RULES, opening_year=2025, last_update=date(2024, 2, 1)
    )
    assert e.stale and e.label == "有风险"
    future = _plan(立项批复=date(2030, 1, 31))
    e = logic.evaluate(
        future, today=date(2024, 6, 1), rules=RULES, opening_year=2031, last_update=date(2020, 1, 1)
    )
    assert not e.stale and e.label == "未开始"


def test_parse_date_messages():
    assert parse_date("2024-03-05") == date(2024, 3, 5)
    assert parse_date("2024年3月5日") == date(2024, 3, 5)
    assert parse_date(" ") is None
    with pytest.raises(ValueError, match="不是有效日期"):
        parse_date("2024-02-30")
    with pytest.raises(ValueError, match="不是日期"):
        parse_date("明年")


def _row(i, name, **kw):
    return RowInput(id=i, name=name, position=i, **kw)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_row(1, "开工", actual="2025-03-11")], "晚于今天"),
        (
            [_row(1, "开工", planned="2023-06-01", forecast="2022-12-31", slip_reason="x")],
            "早于项目开始",
        ),
        (
            [_row(1, "施工许可", planned="2024-06-01"), _row(2, "开工", planned="2024-05-01")],
            "阶段顺序有误",
        ),
        ([_row(1, "开工", planned="2024-02-30")], "不是有效日期"),
        ([_row(1, "开工", planned="2024-02-01", forecast="2024-05-01")], "延误原因"),
        ([_row(1, "开工", status="已完成")], "实际完成日期"),
        ([_row(1, "开工"), _row(2, "开工")], "重复"),
        ([_row(1, "", planned="2024-01-01")], "阶段名称"),
        ([_row(1, "开工", delete=True)], "至少保留"),
    ],
)
def test_bad_plans_are_refused_with_chinese_messages(rows, message):
    _, errors = check_plan(rows, today=TODAY, start_year=2023)
    assert errors and any(message in e.message for e in errors), errors


def test_a_good_plan_is_cleaned_and_ordered():
    rows = [
        _row(2, "开工", planned="2024-05-01", actual="2024-05-03"),
        _row(1, "施工许可", planned="2024-04-01", actual="2024-04-02"),
        RowInput(id=None, name="", position=3),  # a blank new row is ignored
        RowInput(id=None, name="桩基完成", position=3, planned="2024-09-01"),
    ]
    clean, errors = check_plan(rows, today=TODAY, start_year=2023)
    assert not errors
    assert [r.name for r in clean] == ["施工许可", "开工", "桩基完成"]
    assert [r.position for r in clean] == [1, 2, 3]
    assert clean[1].status == "已完成"
