"""Pure rules of the reports (periods, deadlines, figures, rates, plan lines, distances) and the
photo store's promise: a unit of work that does not commit leaves no file behind."""

from datetime import date
from pathlib import Path

import pytest
import report_files as rf
from reports_helpers import TODAY, project

from tracker.audit import SYSTEM
from tracker.reports import logic, photos, services
from tracker.reports.logic import Figures, Previous


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2025-03", "2025-03"),
        ("2025-3", "2025-03"),
        ("2025年3月", "2025-03"),
        ("２０２５－０３", "2025-03"),
    ],
)
def test_periods_are_read_in_the_forms_people_write(text, period):
    assert logic.parse_period(text) == period


@pytest.mark.parametrize("text", ["", "2025-00", "2025-13", "1999-12", "下个月", "2025-03-01"])
def test_bad_periods_are_refused(text):
    with pytest.raises(logic.PeriodError):
        logic.parse_period(text)


def test_deadlines():
    assert logic.due_date("2025-03", 10) == date(2025, 4, 10)
    assert logic.due_date("2025-01", 31) == date(2025, 2, 28)  # a short month
    assert logic.last_closed(date(2025, 4, 10), 10) == "2025-02"  # the due day itself: not late
    assert logic.last_closed(date(2025, 4, 11), 10) == "2025-03"
    assert logic.last_closed(date(2025, 1, 15), 10) == "2024-12"
    assert logic.future_problem("2025-05", TODAY).startswith("报告期 2025年5月 还没有到")
    assert logic.future_problem("2025-04", TODAY) == ""


def test_figures_checks():
    before = Previous("2025-02", 50, 1_000)
    assert logic.check_figures(Figures(40, "", 10, 1_010), before)[0][0] == "percent_reason"
    assert logic.check_figures(Figures(40, "返工扣除", 10, 1_010), before) == []
    assert logic.check_figures(Figures(60, "", 10, 900), before)[0][0] == "cumulative"
    assert logic.check_figures(Figures(60, "", 200, 100), None)[0][0] == "cumulative"
    assert logic.missing_for_submit(Figures(None, "", None, None), "")[0][0] == "progress_text"


def test_completion_rate_is_exact_and_half_up():
    assert logic.completion_rate(1, 3) == "33.3"
    assert logic.completion_rate(2, 3) == "66.7"
    assert logic.completion_rate(1, 8) == "12.5"
    assert logic.completion_rate(None, 3) == "" and logic.completion_rate(5, 0) == ""


def test_plan_lines_are_exact_twelfths_and_milestone_shares():
    periods = ["2025-01", "2025-12", "2026-02"]
    assert logic.planned_cumulative(periods, {2025: 1_200, 2026: 24}, {}) == [100, 1_200, 1_204]
    assert logic.planned_cumulative(periods, {2025: 1_200}, {(2025, 1): 7}) == [7, 1_107, 1_107]
    assert logic.planned_cumulative(periods, {}, {}) == [None, None, None]
    dates = [date(2025, 1, 5), date(2025, 6, 1), None, date(2026, 1, 1)]
    assert logic.planned_percent(dates, date(2025, 6, 30)) == 67


def test_distance():
    assert logic.distance_m(30.0, 120.0, 30.01, 120.0) == 1112
    assert logic.distance_text(1112) == "1.1 公里" and logic.distance_text(800) == "800 米"


def _files(root: Path) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.parent.name != ".tmp")


@pytest.mark.parametrize("commit", [True, False])
def test_photo_files_stay_only_when_their_rows_commit(app, db, tmp_path, commit):
    p = project(app, db, code="L-1")
    root = tmp_path / "store"
    limits = photos.Limits(15 * 2**20, 64_000_000, 1600, 320)
    new = services.NewPhoto(photos.process(rf.jpeg(), limits), "东立面", "a.jpg")
    with app.app_context():
        services.create(
            db, actor=SYSTEM, project=p, period="2025-03",
            data=services.ReportInput({"progress_text": "x"}, new_photos=[new]),
            today=TODAY, root=root, max_photos=20,
        )  # fmt: skip
        assert len(_files(root)) == 3  # placed right after the rows were flushed
        if commit:
            db.commit()
        else:
            db.rollback()
    assert len(_files(root)) == (3 if commit else 0)
