"""Queries and writes of the targets domain: which targets a jurisdiction holds, how far each is
attained (from the registry, the milestones and finance contracts), and hand-made project links."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from uuid import uuid4

from sqlalchemy import and_, false, func, or_
from sqlmodel import Session, select

from tracker.audit import Actor, Change, FieldLabel, apply_change, record
from tracker.finance import summary as finance
from tracker.milestones import summary as milestones
from tracker.projects.logic import seats
from tracker.projects.models import Project
from tracker.targets import logic
from tracker.targets.models import LEVELS, Jurisdiction, Plan, Target, TargetLink


@dataclass
class TargetView:
    """A target with everything a page, the API or a brief shows about it."""

    target: Target
    plan: Plan
    rule: logic.Rule | None
    att: logic.Attainment
    flags: list[logic.Flag]
    rollup: logic.RollUp | None = None
    children: list["TargetView"] = field(default_factory=list)

    @property
    def source(self) -> str:
        t = self.target
        text = t.source_file + (f" 第{t.source_line}行" if t.source_line else "")
        if t.also_lines:
            text += f"（另见第{t.also_lines.replace(',', '、')}行）"
        return text

    @property
    def has_error(self) -> bool:
        return any(f.level == "error" for f in self.flags)


@dataclass(frozen=True)
class JurisdictionOption:
    path: str
    name: str
    level: str
    depth: int


def within(path: str, scope: str) -> bool:
    return not scope or path == scope or path.startswith(scope.rstrip("/") + "/")


def jurisdiction_options(session: Session) -> list[JurisdictionOption]:
    """Every known jurisdiction (the tree, plus places projects are recorded under), tree-ordered."""
    nodes = {j.path: j.level for j in session.exec(select(Jurisdiction))}
    rows = session.exec(
        select(Project.province, Project.city, Project.district)
        .where(Project.archived == False)  # noqa: E712
        .distinct()
    )
    for province, city, district in rows:
        parts = [province, city, district]
        for depth in range(1, 4):
            prefix = parts[:depth]
            if all(prefix):
                nodes.setdefault("/".join(prefix), list(LEVELS)[depth - 1])
    return [
        JurisdictionOption(path, path.rsplit("/", 1)[-1], level, path.count("/"))
        for path, level in sorted(nodes.items())
    ]


_FACT_COLUMNS = (
    Project.id,
    Project.code,
    Project.name,
    Project.stage,
    Project.nature,
    Project.ownership,
    Project.status,
    Project.province,
    Project.city,
    Project.district,
    Project.subdistrict,
    Project.classes_total,
    Project.classes_added,
    Project.declared_seats,
    Project.sections_text,
    Project.window_investment_fen,
    Project.total_investment_fen,
)


class _Capacity(SimpleNamespace):
    """The fields projects.logic.seats() reads, without building a full Project per row."""

    sections = Project.sections


def _place_condition(scopes: set[str]):
    """SQL for 'the project lies within one of these jurisdictions' (None: anywhere)."""
    columns = (Project.province, Project.city, Project.district, Project.subdistrict)
    clauses = []
    for scope in scopes:
        parts = [p for p in scope.split("/") if p]
        if not parts:
            return None
        clauses.append(and_(*[c == v for c, v in zip(columns, parts, strict=False)]))
    return or_(*clauses) if clauses else false()


def _facts(
    session: Session, class_sizes: dict[str, int], scopes: set[str], linked: set[int]
) -> list[logic.ProjectFacts]:
    """Facts of the active projects within `scopes` (or hand-linked), read as plain columns."""
    query = select(*_FACT_COLUMNS).where(Project.archived == False)  # noqa: E712
    place = _place_condition(scopes)
    if place is not None:
        query = query.where(or_(place, Project.id.in_(linked)) if linked else place)
    rows = session.exec(query).all()
    delivered = milestones.delivered_on(session, [r.id for r in rows])
    return [
        logic.ProjectFacts(
            id=r.id,
            code=r.code,
            name=r.name,
            stage=r.stage,
            nature=r.nature,
            ownership=r.ownership,
            status=r.status,
            path="/".join([r.province, r.city, r.district, r.subdistrict]),
            seats_added=seats(_Capacity(**r._asdict()), class_sizes).added,
            window_fen=r.window_investment_fen
            if r.window_investment_fen is not None
            else r.total_investment_fen,
            delivered_on=delivered.get(r.id),
        )
        for r in rows
    ]


def _links(session: Session) -> dict[int, dict[int, str]]:
    links: dict[int, dict[int, str]] = {}
    for link in session.exec(select(TargetLink)):
        links.setdefault(link.target_id, {})[link.project_id] = link.kind
    return links


def _spec(t: Target, plan: Plan) -> logic.TargetSpec:
    return logic.TargetSpec(
        jurisdiction=t.jurisdiction,
        unit=t.unit,
        comparator=t.comparator,
        target_value=t.target_value,
        target_year=t.target_year,
        baseline=t.baseline,
        baseline_year=t.baseline_year,
        plan_start=plan.start_year,
    )


def evaluate(
    session: Session,
    *,
    today: date,
    class_sizes: dict[str, int],
    scope: str = "",
    wanted: Callable[[Target, dict[int, str]], bool] | None = None,
) -> list[TargetView]:
    """Every target within `scope` (a jurisdiction path or prefix), evaluated; children are nested
    under their parent when both are in scope. Checks across targets (contradictions, roll-ups)
    look at all of them; attainment is computed only for the targets shown (or `wanted`)."""
    targets = list(session.exec(select(Target).order_by(Target.plan_id, Target.position)))
    plans = {p.id: p for p in session.exec(select(Plan))}
    links = _links(session)
    wanted = wanted or (lambda t, _links: within(t.jurisdiction, scope))
    computed = {t.id for t in targets if wanted(t, links.get(t.id, {}))}
    scopes = {t.jurisdiction for t in targets if t.id in computed}
    linked = {pid for t in targets if t.id in computed for pid in links.get(t.id, {})}
    facts = logic.FactIndex(_facts(session, class_sizes, scopes, linked))
    clashes = logic.contradictions(
        [
            logic.Stated(
                t.key,
                t.jurisdiction,
                t.topic,
                t.target_year,
                t.target_value,
                t.target_text,
                f"第{t.source_line}行" if t.source_line else t.key,
            )
            for t in targets
        ]
    )
    views: dict[str, TargetView] = {}
    for t in targets:
        plan = plans[t.plan_id]
        spec = _spec(t, plan)
        rule, flags = logic.static_flags(spec, t.rule)
        att = logic.Attainment()
        if rule is not None and t.id in computed:
            target_links = links.get(t.id, {})
            completed_fen = None
            if rule.measure == "投资":
                chosen = logic.chosen(spec, rule, facts, target_links)
                eligible = [p.id for p in chosen if logic.phase(p, today) != "停止"]
                completed_fen = finance.completed_total_fen(session, eligible) if eligible else 0
            att = logic.attainment(spec, rule, facts, target_links, today, completed_fen)
            if att.missing_figures:
                flags.append(
                    logic.Flag("warn", f"{att.missing_figures} 个关联项目没有学位/床位数，未计入")
                )
        flags += clashes.get(t.key, [])
        views[t.key] = TargetView(t, plan, rule, att, flags)
    _attach_children(views)
    return [
        v
        for v in views.values()
        if within(v.target.jurisdiction, scope)
        and not (
            v.target.parent_key in views
            and within(views[v.target.parent_key].target.jurisdiction, scope)
        )
    ]


def _attach_children(views: dict[str, TargetView]) -> None:
    for view in views.values():
        parent = views.get(view.target.parent_key)
        if parent is not None:
            parent.children.append(view)
    for view in views.values():
        if view.children:
            view.rollup = logic.roll_up(
                view.target.target_value,
                view.target.comparator,
                [
                    (
                        c.target.jurisdiction
                        if c.target.jurisdiction != view.target.jurisdiction
                        else c.target.indicator,
                        c.target.target_value,
                    )
                    for c in view.children
                ],
            )
            if view.rollup.flag:
                view.flags.append(view.rollup.flag)


def by_plan(views: list[TargetView]) -> list[tuple[Plan, list[TargetView]]]:
    grouped: dict[int, tuple[Plan, list[TargetView]]] = {}
    for v in views:
        grouped.setdefault(v.plan.id, (v.plan, []))[1].append(v)
    return list(grouped.values())


def find(views: list[TargetView], target_id: int) -> TargetView | None:
    for v in views:
        if v.target.id == target_id:
            return v
        found = find(v.children, target_id)
        if found:
            return found
    return None


def flatten(views: list[TargetView]) -> list[TargetView]:
    result = []
    for v in views:
        result.append(v)
        result += flatten(v.children)
    return result


def targets_for_project(
    session: Session, project: Project, *, today: date, class_sizes: dict[str, int]
) -> list[TargetView]:
    path = "/".join([project.province, project.city, project.district, project.subdistrict])

    def concerns(t: Target, target_links: dict[int, str]) -> bool:
        return project.id in target_links or logic.within(path, t.jurisdiction)

    views = evaluate(session, today=today, class_sizes=class_sizes, wanted=concerns)
    return [v for v in flatten(views) if project.id in v.att.project_ids]


def get_target(session: Session, target_id: int) -> Target | None:
    return session.get(Target, target_id)


def get_plan(session: Session, plan_id: int) -> Plan | None:
    return session.get(Plan, plan_id)


def links_of(session: Session, target_id: int) -> dict[int, str]:
    return {
        link.project_id: link.kind
        for link in session.exec(select(TargetLink).where(TargetLink.target_id == target_id))
    }


def projects_by_id(session: Session, ids) -> dict[int, Project]:
    ids = list(ids)
    if not ids:
        return {}
    return {p.id: p for p in session.exec(select(Project).where(Project.id.in_(ids)))}


LINK_WORDS = {"include": "计入此目标", "exclude": "不计入此目标"}


def _link_word(value) -> str:
    return LINK_WORDS.get(value, "未手工关联") if value else "未手工关联"


def audit_fields() -> dict[str, FieldLabel]:
    """How the audit trail words a target's changes (the document's fields, and links)."""
    labels = {
        "jurisdiction": "行政区",
        "indicator": "指标",
        "topic": "主题",
        "unit": "单位",
        "comparator": "比较方式",
        "baseline": "基线值",
        "baseline_year": "基线年份",
        "target_text": "目标（原文写法）",
        "target_value": "目标值",
        "target_year": "目标年份",
        "rule": "计算规则",
        "parent_key": "上级目标",
        "source_file": "来源文件",
        "source_line": "来源行号",
        "also_lines": "其他来源行",
        "note": "说明",
        "plan_id": "所属规划",
    }
    return {k: FieldLabel(v) for k, v in labels.items()} | {
        "link": FieldLabel("手工关联", _link_word)
    }


def _save(session: Session, actor: Actor, target: Target, expected: int | None, **change):
    return apply_change(
        session,
        actor=actor,
        record=target,
        expected_version=expected,
        entity="target",
        entity_id=target.key,
        title=f"规划目标「{target.indicator[:40]}」",
        **change,
    )


def _link(session: Session, target: Target, project: Project) -> TargetLink | None:
    return session.exec(
        select(TargetLink).where(
            TargetLink.target_id == target.id, TargetLink.project_id == project.id
        )
    ).first()


def set_link(
    session: Session,
    *,
    actor: Actor,
    target: Target,
    project: Project,
    kind: str,
    expected_version: int | None,
) -> bool:
    """Link (`include`) or exclude a project; returns False when nothing changed."""

    def relink() -> list[Change]:
        link = _link(session, target, project)
        if link is not None and link.kind == kind:
            return []
        old = link.kind if link else None
        if link is None:
            link = TargetLink(target_id=target.id, project_id=project.id, created_by=actor.username)
        link.kind = kind
        session.add(link)
        return [Change("link", old, kind, item=f"{project.code} {project.name}")]

    changes = _save(session, actor, target, expected_version, mutate=relink, project_id=project.id)
    return bool(changes)


def remove_link(
    session: Session,
    *,
    actor: Actor,
    target: Target,
    project: Project,
    expected_version: int | None,
) -> bool:
    def unlink() -> list[Change]:
        link = _link(session, target, project)
        if link is None:
            return []
        session.delete(link)
        return [Change("link", link.kind, None, item=f"{project.code} {project.name}")]

    changes = _save(session, actor, target, expected_version, mutate=unlink, project_id=project.id)
    return bool(changes)


def update_target(
    session: Session, *, actor: Actor, target: Target, values: dict, expected_version: int | None
) -> list[Change]:
    """Apply changed fields as one audited, versioned save (Conflict when the form is stale)."""
    return _save(session, actor, target, expected_version, values=values)


def create_target(session: Session, *, actor: Actor, plan: Plan, values: dict) -> Target:
    position = len(session.exec(select(Target.id).where(Target.plan_id == plan.id)).all())
    target = Target(key=f"manual-{uuid4().hex[:10]}", plan_id=plan.id, position=position, **values)
    session.add(target)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="target",
        entity_id=target.key,
        detail=target.indicator,
    )
    return target


@dataclass(frozen=True)
class Area:
    """One jurisdiction directly under the one being viewed, with what it holds."""

    path: str
    name: str
    targets: int
    projects: int


def sub_areas(session: Session, scope: str, views: list[TargetView]) -> list[Area]:
    """The next level down (a city's districts), each with its targets and active projects."""
    depth = len([p for p in scope.split("/") if p])
    options = [
        o
        for o in jurisdiction_options(session)
        if o.depth == depth and within(o.path, scope) and o.path != scope
    ]
    if not options:
        return []
    level = level_columns()[depth]
    query = select(level, func.count(Project.id)).where(Project.archived == False)  # noqa: E712
    for column, value in zip(level_columns(), [p for p in scope.split("/") if p], strict=False):
        query = query.where(column == value)
    counts = dict(session.exec(query.group_by(level)).all())
    all_targets = flatten(views)
    return [
        Area(
            o.path,
            o.name,
            sum(1 for v in all_targets if within(v.target.jurisdiction, o.path)),
            counts.get(o.name, 0),
        )
        for o in options
    ]


def level_columns():
    return (Project.province, Project.city, Project.district, Project.subdistrict)
