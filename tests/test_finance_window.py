"""Plan-window reconciliation on the seed portfolio, and the split rule on its own."""

import pytest
from sqlmodel import select

from tracker.finance.logic import split_window
from tracker.finance.window import reconcile
from tracker.money import yi
from tracker.projects.filters import ProjectFilter
from tracker.projects.models import Project

WINDOW = (2021, 2025)
YI = 10**10


def test_seed_reconciles_to_the_plan_document(seeded, db):
    result = reconcile(db, ProjectFilter(), WINDOW)
    t = result.total
    assert (yi(t.total), yi(t.inside), yi(t.before), yi(t.after), yi(t.unexplained)) == (
        "77.80",
        "48.39",
        "6.01",
        "22.40",
        "1.00",
    )
    assert t.total == t.inside + t.before + t.after + t.unexplained
    unexplained = [p for p in result.projects if p.split.unexplained]
    assert [(p.seq_no, p.name, p.period) for p in unexplained] == [
        ("23", "未来社区配套小学", "2023-2025")
    ]
    assert unexplained[0].split.unexplained == 1 * YI


def test_reconciliation_page_shows_the_equation(seeded, auth, client):
    auth.login("leader")
    html = client.get("/finance/window").get_data(as_text=True)
    assert "77.80" in html and "48.39" in html and "6.01" in html and "22.40" in html
    assert "未来社区配套小学" in html
    wan = client.get("/finance/window?unit=万元").get_data(as_text=True)
    assert "778,000.00" in wan and "10,000.00" in wan


def test_filters_narrow_the_reconciliation(seeded, db):
    gov = reconcile(db, ProjectFilter(subdistrict="稽山街道"), WINDOW)
    codes = {p.code for p in gov.projects}
    expected = set(db.exec(select(Project.code).where(Project.subdistrict == "稽山街道")))
    assert codes == expected and codes


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ((2018, 2021), (1, 0, 0)),  # starts before the window → before
        ((2024, 2027), (0, 1, 0)),  # ends after → after
        ((2022, 2024), (0, 0, 1)),  # inside → unexplained
        ((2019, 2027), (0, 0, 1)),  # both sides → unexplained and flagged
        ((None, None), (0, 0, 1)),  # no period → unexplained
    ],
)
def test_split_rule(period, expected):
    split = split_window(
        total_fen=3 * YI, window_fen=2 * YI, start_year=period[0], end_year=period[1], window=WINDOW
    )
    assert (split.before, split.after, split.unexplained) == tuple(x * YI for x in expected)
    assert split.inside == 2 * YI
    if period == (2019, 2027):
        assert any("跨越" in flag for flag in split.flags)


def test_yearly_figures_outside_the_window_explain_the_rest():
    split = split_window(
        total_fen=10 * YI,
        window_fen=6 * YI,
        start_year=2019,
        end_year=2027,
        window=WINDOW,
        planned_before_fen=1 * YI,
        planned_after_fen=3 * YI,
    )
    assert (split.inside, split.before, split.after, split.unexplained) == (
        6 * YI,
        1 * YI,
        3 * YI,
        0,
    )


def test_window_overshooting_total_is_negative_unexplained():
    split = split_window(
        total_fen=1 * YI, window_fen=2 * YI, start_year=2022, end_year=2024, window=WINDOW
    )
    assert split.unexplained == -1 * YI and split.flags
