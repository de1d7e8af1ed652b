"""The project-list filters, shared by the list page, the API, the map, exports and briefs."""

from dataclasses import asdict, dataclass, fields
from urllib.parse import urlencode

from sqlalchemy import or_
from sqlmodel import col

from tracker.projects.models import Project

SORTS = {
    "code": Project.code,
    "name": Project.name,
    "stage": Project.stage,
    "subdistrict": Project.subdistrict,
    "end_year": Project.end_year,
    "total": Project.total_investment_fen,
    "window": Project.window_investment_fen,
    "classes": Project.classes_total,
    "builder": Project.builder,
}


@dataclass(frozen=True)
class ProjectFilter:
    """What the user narrowed the portfolio to; empty strings mean 'any'."""

    q: str = ""
    jurisdiction: str = ""  # "浙江省/绍兴市/越城区" or a prefix of it ("浙江省/绍兴市")
    stage: str = ""
    subdistrict: str = ""
    builder: str = ""
    status: str = ""
    end_year: str = ""
    government: str = ""  # "1" government/platform, "0" not, "" any
    archived: str = ""  # "1" include archived projects
    sort: str = "code"
    order: str = "asc"

    @classmethod
    def from_args(cls, args) -> "ProjectFilter":
        known = {f.name: (args.get(f.name) or "").strip()[:100] for f in fields(cls)}
        if known["sort"] not in SORTS:
            known["sort"] = "code"
        if known["order"] not in ("asc", "desc"):
            known["order"] = "asc"
        if not known["end_year"].isdigit():
            known["end_year"] = ""
        return cls(**known)

    def query_string(self, **changes) -> str:
        """URL parameters for this filter (defaults left out), with some values changed."""
        values = {**asdict(self), **changes}
        defaults = asdict(ProjectFilter())
        return urlencode({k: v for k, v in values.items() if v and v != defaults.get(k)})

    @property
    def is_empty(self) -> bool:
        return self.query_string() == ""

    def describe(self) -> str:
        """A Chinese description of the filter, for titles of exports and briefs."""
        labels = [
            ("jurisdiction", "区域"),
            ("q", "名称含"),
            ("stage", "学段"),
            ("subdistrict", "街道"),
            ("builder", "建设单位"),
            ("status", "状态"),
            ("end_year", "完成年份"),
        ]
        parts = [f"{label}：{getattr(self, key)}" for key, label in labels if getattr(self, key)]
        if self.government:
            parts.append("政府投资项目" if self.government == "1" else "非政府投资项目")
        return "；".join(parts) or "全部项目"


def apply(query, f: ProjectFilter, *, ordered: bool = True):
    """Narrow a select() over Project by the filter."""
    if f.archived != "1":
        query = query.where(Project.archived == False)  # noqa: E712
    if f.jurisdiction:
        levels = [part for part in f.jurisdiction.split("/") if part]
        for column, value in zip(
            (Project.province, Project.city, Project.district), levels, strict=False
        ):
            query = query.where(column == value)
    if f.q:
        # Case-insensitive on every database; % and _ typed by the user are plain characters.
        query = query.where(
            or_(
                col(Project.name).icontains(f.q, autoescape=True),
                col(Project.code).icontains(f.q, autoescape=True),
            )
        )
    for key in ("stage", "subdistrict", "builder", "status"):
        value = getattr(f, key)
        if value:
            query = query.where(getattr(Project, key) == value)
    if f.end_year:
        query = query.where(Project.end_year == int(f.end_year))
    if f.government in ("0", "1"):
        query = query.where(Project.is_government == (f.government == "1"))
    if ordered:
        column = SORTS[f.sort]
        # Unknown values (no class count …) go last either way, on SQLite and PostgreSQL alike.
        direction = column.desc() if f.order == "desc" else column.asc()
        query = query.order_by(direction.nulls_last(), Project.id)
    return query
