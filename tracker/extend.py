"""Extension points: domains add navigation entries, project-page panels and home-page cards here,
so that no domain edits another's templates."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class NavItem:
    order: int
    label: str
    endpoint: str
    action: str = "view"  # permission needed to see the entry


@dataclass(frozen=True)
class Panel:
    """A section of a page: `template` is rendered with what `context(...)` returns."""

    order: int
    template: str
    context: Callable[..., dict]


def init_app(app: Flask) -> None:
    app.extensions.setdefault("nav", [])
    app.extensions.setdefault("project_panels", [])
    app.extensions.setdefault("home_cards", [])
    app.context_processor(
        lambda: {"nav_items": sorted(app.extensions["nav"], key=lambda n: n.order)}
    )


def add_nav(app: Flask, item: NavItem) -> None:
    app.extensions["nav"].append(item)


def add_project_panel(app: Flask, panel: Panel) -> None:
    """context(session, project, today) → dict for the panel's template."""
    app.extensions["project_panels"].append(panel)


def add_home_card(app: Flask, panel: Panel) -> None:
    """context(session, today) → dict for the card's template."""
    app.extensions["home_cards"].append(panel)


def _render(kind: str, *args) -> list[tuple[str, dict]]:
    panels = sorted(current_app.extensions[kind], key=lambda p: p.order)
    return [(p.template, p.context(*args)) for p in panels]


def project_panels(session, project, today) -> list[tuple[str, dict]]:
    return _render("project_panels", session, project, today)


def home_cards(session, today) -> list[tuple[str, dict]]:
    return _render("home_cards", session, today)


def add_project_api_part(app: Flask, key: str, part: Callable) -> None:
    """part(session, project, today) → JSON-able value, added under `key` in GET /api/projects/<code>."""
    app.extensions.setdefault("project_api", []).append((key, part))


def project_api_parts(session, project, today) -> dict:
    return {
        key: part(session, project, today)
        for key, part in current_app.extensions.get("project_api", [])
    }


def add_list_action(app: Flask, template: str) -> None:
    """A button on the project list; its template gets `f`, the list's current ProjectFilter."""
    app.extensions.setdefault("list_actions", []).append(template)


def add_project_action(app: Flask, template: str) -> None:
    """A button on the project page; its template gets `p`, the project."""
    app.extensions.setdefault("project_actions", []).append(template)


def list_actions() -> list[str]:
    return current_app.extensions.get("list_actions", [])


def project_actions() -> list[str]:
    return current_app.extensions.get("project_actions", [])


def on_projects_created(app: Flask, callback: Callable) -> None:
    """callback(session, project_ids, today) runs in the same unit of work after projects are created
    (form or import), e.g. to lay out their milestones."""
    app.extensions.setdefault("projects_created", []).append(callback)


def projects_created(session, project_ids: list[int], today) -> None:
    for callback in current_app.extensions.get("projects_created", []):
        callback(session, project_ids, today)


# --- the project directory -------------------------------------------------------------------
# Floors below the registry (people, the audit trail) name projects only through this: the
# projects domain fills it at init_app.


@dataclass(frozen=True)
class ProjectRef:
    id: int
    code: str
    name: str
    archived: bool = False

    @property
    def title(self) -> str:
        return f"{self.code} {self.name}" + ("（已归档）" if self.archived else "")


@dataclass(frozen=True)
class ProjectDirectory:
    """refs(session, ids=None) → the projects with these ids (None: all), active first, by code;
    find(session, code) → the project with this code or None."""

    refs: Callable
    find: Callable


def set_project_directory(app: Flask, directory: ProjectDirectory) -> None:
    app.extensions["project_directory"] = directory


def project_refs(session, ids=None) -> list[ProjectRef]:
    if ids is not None and not ids:
        return []
    return current_app.extensions["project_directory"].refs(session, ids)


def find_project(session, code: str) -> ProjectRef | None:
    return current_app.extensions["project_directory"].find(session, code)


@dataclass(frozen=True)
class FileStore:
    """A folder of files the app keeps outside the database (generated briefs, later photos):
    backups include it and restores put it back. `path(app)` gives the configured folder."""

    name: str
    path: Callable[[Flask], object]


def add_file_store(app: Flask, store: FileStore) -> None:
    app.extensions.setdefault("file_stores", []).append(store)


def file_stores(app: Flask) -> list[FileStore]:
    return list(app.extensions.get("file_stores", []))


# --- confirming progress ------------------------------------------------------------------------
# A monthly report may say a stage was reached this month; the schedule domain applies that to the
# milestones through the confirmer it registers (none registered: the report only records it).


def set_progress_confirmer(app: Flask, confirm: Callable) -> None:
    """confirm(session, *, actor, project, stage, on, today, note) applies 「确认进度」 — `stage`
    reached on `on` — in the caller's unit of work; it raises ValueError (its str() a Chinese
    message) when the milestones cannot take it."""
    app.extensions["progress_confirmer"] = confirm


def progress_confirmer() -> Callable | None:
    return current_app.extensions.get("progress_confirmer")


# --- worklists ----------------------------------------------------------------------------------
# Sections of the 需要更新 page that other domains contribute (e.g. reports not filed).


def add_worklist_panel(app: Flask, panel: Panel) -> None:
    """context(session, today, only) → dict for the panel's template; `only` is the set of the
    project ids the page is narrowed to (a PM's own), or None for all."""
    app.extensions.setdefault("worklist_panels", []).append(panel)


def worklist_panels(session, today, only=None) -> list[tuple[str, dict]]:
    panels = sorted(current_app.extensions.get("worklist_panels", []), key=lambda p: p.order)
    return [(p.template, p.context(session, today, only)) for p in panels]
