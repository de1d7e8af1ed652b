"""One 409 page for every entity that is edited: a form is loaded, someone else saves first, the
stale form is posted as a browser would (CSRF on) → 409, the same page, what the other person
changed with the time in Asia/Shanghai, and what was typed shown back."""

from datetime import UTC, date
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from tests.conftest import TEST_ACTOR, AuthActions, make_project
from tracker.audit.models import AuditEntry
from tracker.clock import local
from tracker.milestones import services as milestones
from tracker.targets.loader import (
    JURISDICTIONS_FILE,
    TARGETS_FILE,
    load_jurisdictions,
    load_targets,
)
from tracker.targets.models import Target


class _FormFields(HTMLParser):
    """What a browser submits from the page's POST form that carries a version field."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None or "name" not in a and tag != "option":
            return
        if tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") in ("submit", "button"):
                return
            self._form[a["name"]] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
            self._form[self._select] = [] if "multiple" in a else None
        elif tag == "option" and self._select:
            chosen = self._form[self._select]
            if isinstance(chosen, list):  # a multiple select sends its selected options only
                chosen += [a.get("value", "")] if "selected" in a else []
            elif chosen is None or "selected" in a:
                self._form[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def _form(client, url: str) -> dict:
    parser = _FormFields()
    parser.feed(client.get(url).get_data(as_text=True))
    (fields,) = [f for f in parser.forms if "version" in f]
    fields.pop("csrf_token", None)
    return {k: ("" if v is None else v) for k, v in fields.items()}


@pytest.fixture
def other(app, db, client):
    """A second person, in a browser of their own."""
    return AuthActions(type(client)(app.test_client()), db)


def _assert_conflict_page(response, db, *, title: str, author: str, typed: str):
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert '<section class="conflict"' in html  # the one 409 page
    assert f"<h1>保存被拒绝：{title} 已被他人修改</h1>" in html
    db.expire_all()
    saved = db.exec(
        select(AuditEntry)
        .where(AuditEntry.username == author, AuditEntry.version.is_not(None))
        .order_by(AuditEntry.id.desc())
    ).first()
    at = saved.at if saved.at.tzinfo else saved.at.replace(tzinfo=UTC)
    shanghai, utc = local(at).strftime("%Y-%m-%d %H:%M"), at.strftime("%Y-%m-%d %H:%M")
    assert f"{author} 于 {shanghai} 修改了" in html  # Asia/Shanghai, one format
    assert f"于 {utc} " not in html
    assert typed in html  # what was typed is shown back, not lost
    assert "重新打开表单" in html
    refusal = db.exec(select(AuditEntry).where(AuditEntry.action == "refused")).all()
    assert [r.detail for r in refusal] == [f"保存被拒绝：{title} 已被他人修改"]
    return html


def test_stale_project_form(client, auth, other, db):
    project = make_project(db, code="C-0001")
    url = f"/projects/{project.code}/edit"
    auth.login("admin")
    stale = _form(client, url)
    other.login("admin", "li.ming")
    first = other.client.post_form(url, _form(other.client, url) | {"name": "李明改的名字"})
    assert first.status_code == 302
    response = client.post_form(url, stale | {"remarks": "我写的备注"})
    html = _assert_conflict_page(
        response, db, title="项目 C-0001", author="li.ming", typed="我写的备注"
    )
    assert "修改了 项目名称：测试小学1 → 李明改的名字" in html


def test_stale_milestone_form(app, client, auth, other, db):
    project = make_project(db, code="C-0002")
    with app.app_context():
        milestones.lay_out(db, [project.id], date(2024, 6, 30))
    db.commit()
    url = f"/projects/{project.code}/milestones"
    auth.login("admin")
    stale = _form(client, url)
    other.login("pm", "pm.wang", projects=[project])
    fresh = _form(other.client, url)
    row = next(k for k, v in fresh.items() if v == "交付使用").removesuffix("-name")
    assert other.client.post_form(url, fresh | {f"{row}-actual": "2024-06-01"}).status_code == 302
    response = client.post_form(url, stale | {f"{row}-note": "我补充的说明"})
    html = _assert_conflict_page(
        response, db, title="里程碑 C-0002", author="pm.wang", typed="我补充的说明"
    )
    assert "修改了 交付使用 的实际完成日期：（空） → 2024-06-01" in html


def test_stale_finance_form(client, auth, other, db):
    project = make_project(db, code="C-0003")
    url = f"/finance/projects/{project.code}"
    auth.login("finance")
    stale = _form(client, url)
    other.login("finance", "cw.zhao")
    fresh = _form(other.client, url)
    first = other.client.post_form(url, fresh | {"years-0-year": "2024", "years-0-planned": "800"})
    assert first.status_code == 302
    response = client.post_form(url, stale | {"years-0-year": "2024", "years-0-planned": "912.5"})
    html = _assert_conflict_page(response, db, title="投资 C-0003", author="cw.zhao", typed="912.5")
    assert "修改了 2024年 的计划投资：（空） → 800.00 万元" in html


def test_stale_target_form(client, auth, other, db):
    load_jurisdictions(db, JURISDICTIONS_FILE.read_text(encoding="utf-8"))
    assert load_targets(db, actor=TEST_ACTOR, text=TARGETS_FILE.read_text(encoding="utf-8")).ok
    db.commit()
    target = db.exec(select(Target).where(Target.key == "000-kindergartens")).one()
    url = f"/targets/{target.id}/edit"
    auth.login("admin")
    stale = _form(client, url)
    other.login("admin", "zhou.admin")
    assert other.client.post_form(url, _form(other.client, url) | {"note": "按新文件"}).status_code
    response = client.post_form(url, stale | {"note": "我的备注"})
    html = _assert_conflict_page(
        response,
        db,
        title=f"规划目标「{target.indicator[:40]}」",
        author="zhou.admin",
        typed="我的备注",
    )
    assert "修改了 说明：" in html and "按新文件" in html


def test_stale_user_form(client, auth, other, db):
    auth.login("admin")
    person = auth.make_user("viewer", "zhao.liu")
    url = f"/users/{person.id}"
    stale = _form(client, url)
    other.login("admin", "admin.two")
    first = other.client.post_form(url, _form(other.client, url) | {"role": "finance"})
    assert first.status_code == 302
    response = client.post_form(url, stale | {"display_name": "赵六"})
    html = _assert_conflict_page(
        response, db, title="用户 zhao.liu", author="admin.two", typed="赵六"
    )
    assert "修改了 角色：只读 → 财务" in html


def test_two_saves_racing_from_the_same_version_cannot_both_win(app, db):
    """The version is bumped by one compare-and-set UPDATE: a save whose record was read before
    another save committed is refused even when its in-memory version still looks current."""
    from sqlmodel import Session

    from tracker.audit import Conflict, apply_change
    from tracker.projects.models import Project

    project = make_project(db, code="C-0009")
    with app.app_context(), Session(app.extensions["engine"]) as first:
        mine = first.get(Project, project.id)  # read at version 1
        with Session(app.extensions["engine"]) as other:
            theirs = other.get(Project, project.id)
            changed = apply_change(
                other,
                actor=TEST_ACTOR,
                record=theirs,
                expected_version=1,
                entity="project",
                entity_id="C-0009",
                values={"remarks": "他们先保存"},
            )
            assert changed and theirs.version == 2
            other.commit()
        with pytest.raises(Conflict) as refused:
            apply_change(
                first,
                actor=TEST_ACTOR,
                record=mine,
                expected_version=1,
                entity="project",
                entity_id="C-0009",
                values={"remarks": "我后保存"},
            )
        assert any("他们先保存" in line for line in refused.value.changes)
        first.rollback()
    db.expire_all()
    assert db.get(Project, project.id).remarks == "他们先保存"
