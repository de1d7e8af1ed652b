"""Project codes are stable and unique: generated P-codes never collide with codes in use."""

from sqlmodel import select

from tests.conftest import make_project
from tests.test_dataio_formats import _csv, _import
from tracker.projects.models import Project

HEADER = ["项目编号", "项目名称", "项目期限", "总投资（亿元）"]


def _codes(db) -> list[str]:
    return sorted(db.exec(select(Project.code)).all())


def test_generated_codes_skip_codes_typed_in_by_hand(app, db):
    make_project(db, code="P00002", name="手工编号小学")
    outcome = _import(app, db, _csv([HEADER, ["", "甲小学", "2023-2025", "1"]]), "a.csv")
    assert outcome.ok and outcome.result.created == 1
    outcome = _import(app, db, _csv([HEADER, ["", "乙小学", "2023-2025", "1"]]), "b.csv")
    assert outcome.ok and outcome.result.created == 1
    assert _codes(db) == ["P00002", "P00003", "P00004"]


def test_generated_codes_skip_codes_of_the_same_file(app, db):
    rows = [
        HEADER,
        ["", "甲小学", "2023-2025", "1"],
        ["P00001", "乙小学", "2023-2025", "1"],
        ["", "丙小学", "2023-2025", "1"],
        ["P00003", "丁小学", "2023-2025", "1"],
    ]
    outcome = _import(app, db, _csv(rows), "a.csv")
    assert outcome.ok, [str(e) for e in outcome.errors]
    names = {p.code: p.name for p in db.exec(select(Project))}
    assert names["P00001"] == "乙小学" and names["P00003"] == "丁小学"
    assert sorted(names) == ["P00001", "P00003", "P00004", "P00005"]


def test_codes_of_archived_projects_are_not_reused(app, db):
    make_project(db, code="P00007", name="旧小学", archived=True)
    _import(app, db, _csv([HEADER, ["", "新小学", "2023-2025", "1"]]), "a.csv")
    assert _codes(db) == ["P00007", "P00008"]


def test_codeless_reimport_updates_by_name_without_new_codes(app, db):
    data = _csv([HEADER, ["", "甲小学", "2023-2025", "1"], ["", "乙小学", "2023-2025", "2"]])
    assert _import(app, db, data, "a.csv").result.created == 2
    again = _import(app, db, data.replace(b",2\r\n", b",2.5\r\n"), "a.csv")
    assert (again.result.created, again.result.updated, again.result.unchanged) == (0, 1, 1)
    assert _codes(db) == ["P00001", "P00002"]
