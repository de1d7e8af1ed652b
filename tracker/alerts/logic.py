"""Which alerts a project should have open today (pure: decided from its evaluation)."""

from dataclasses import dataclass
from datetime import date

from tracker.milestones.logic import Evaluation, expected_on


@dataclass(frozen=True)
class WantedAlert:
    """An alert the scan wants open; (kind, milestone_ref) identifies it within a project."""

    kind: str
    milestone_ref: int
    milestone_name: str
    due_on: date | None
    message: str

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.milestone_ref


def wanted_alerts(e: Evaluation) -> list[WantedAlert]:
    """Overdue milestones, the term-start risk and a stale plan. Messages hold no day counts
    (those are computed when shown) so an unchanged cause does not rewrite its alert daily."""
    wanted = []
    for m in e.overdue:
        due = expected_on(m)
        basis = "预测" if m.forecast_on else ("估算计划" if m.is_estimate else "计划")
        wanted.append(
            WantedAlert(
                "overdue", m.id, m.name, due, f"「{m.name}」{basis}于 {due} 完成，尚无实际完成日期"
            )
        )
    t = e.term
    if t.at_risk:
        if t.expected is None:
            text = f"{t.opening_year} 年开学：交付使用没有日期，已过 {t.cutoff} 仍未交付"
        else:
            text = f"{t.opening_year} 年开学：交付使用预计 {t.expected}，截止日 {t.cutoff}"
        wanted.append(WantedAlert("term_risk", 0, "", t.expected, text))
    if e.stale:
        wanted.append(WantedAlert("stale", 0, "", None, "里程碑长期未更新，请项目负责人确认进度"))
    return wanted


def days_overdue(kind: str, due_on: date | None, today: date) -> int:
    """Days past the date that matters (0 when not yet past)."""
    if due_on is None or kind == "stale":
        return 0
    return max(0, (today - due_on).days)
