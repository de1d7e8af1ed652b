"""JSON shapes of targets: every figure an exact decimal string (no floats)."""

from tracker.targets.logic import fmt


def _num(value) -> str | None:
    return None if value is None else fmt(value)


def target_json(v) -> dict:
    t, att = v.target, v.att
    computed = v.rule is not None and v.rule.computed
    return {
        "id": t.id,
        "key": t.key,
        "plan": v.plan.name,
        "plan_period": v.plan.period_text,
        "jurisdiction": t.jurisdiction,
        "indicator": t.indicator,
        "topic": t.topic,
        "unit": t.unit,
        "comparator": t.comparator,
        "baseline": _num(t.baseline),
        "baseline_year": t.baseline_year,
        "target": _num(t.target_value),
        "target_text": t.target_text,
        "target_year": t.target_year,
        "rule": t.rule,
        "rule_description": v.rule.describe() if v.rule else None,
        "computed": computed,
        "completed": _num(att.completed) if computed else None,
        "under_way": _num(att.under_way) if computed else None,
        "planned": _num(att.planned) if computed else None,
        "gap": _num(att.gap) if computed else None,
        "expected_now": _num(att.expected_now) if computed else None,
        "on_pace": att.on_pace,
        "project_count": len(att.project_ids),
        "note": att.note if computed else "统计指标，不由项目计算",
        "flags": [{"level": f.level, "message": f.message} for f in v.flags],
        "parent": t.parent_key or None,
        "rollup": None
        if v.rollup is None
        else {
            "total": _num(v.rollup.total),
            "whole": _num(v.rollup.whole),
            "agrees": v.rollup.agrees,
            "parts": [{"name": n, "value": _num(x)} for n, x in v.rollup.parts],
        },
        "source": {"file": t.source_file, "line": t.source_line, "also_lines": t.also_lines},
        "note_text": t.note,
    }


def project_part(views) -> list[dict]:
    """For GET /api/projects/<code>: the targets the project counts toward."""
    return [
        {"key": v.target.key, "plan": v.plan.name, "indicator": v.target.indicator} for v in views
    ]
