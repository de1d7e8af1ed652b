"""Plan targets through the app: seed targets with their sources, attainment from project data
(a real 交付使用 date entered on the milestones form), roll-ups, briefs, links, bad input, the API."""

import csv
import re
from datetime import date

import pytest
from sqlmodel import select

from tests.conftest import REGISTRY_DATA, make_project
from tracker import clock
from tracker.audit.models import AuditEntry
from tracker.milestones import services as milestone_services
from tracker.projects.filters import ProjectFilter
from tracker.targets.loader import (
    JURISDICTIONS_FILE,
    TARGET_COLUMNS,
    TARGETS_FILE,
    load_jurisdictions,
    load_targets,
)
from tracker.targets.models import Jurisdiction, Plan, Target, TargetLink
from tracker.targets.summary import brief_rows

TODAY = date(2024, 6, 30)
ACTOR_NAME = "测试"
KG_KEY = "000-kindergartens"


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def targets(app, db):
    from tests.conftest import TEST_ACTOR

    places = load_jurisdictions(db, JURISDICTIONS_FILE.read_text(encoding="utf-8"))
    outcome = load_targets(db, actor=TEST_ACTOR, text=TARGETS_FILE.read_text(encoding="utf-8"))
    assert places.ok and outcome.ok, places.errors + outcome.errors
    db.commit()
    return {t.key: t for t in db.exec(select(Target))}


def _api(client, jurisdiction=""):
    response = client.get("/api/targets", query_string={"jurisdiction": jurisdiction})
    assert response.status_code == 200
    return {t["key"]: t for t in response.get_json()["targets"]}


def _csv_rows():
    with TARGETS_FILE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- seed targets and their sources ---------------------------------------------------------


def test_every_seed_target_cites_a_document_line_and_001s_are_worded_as_it():
    """Every target cites one of the five documents by line; those citing seed 001 (copied into
    tests/registry_data) quote the cited lines. `scripts/check-sources` checks all five originals."""
    rows = _csv_rows()
    assert {r["source_file"][:3] for r in rows} == {"000", "001", "002", "003", "004"}
    seed = REGISTRY_DATA / "001_356db9a72693fc68.txt"
    lines = seed.read_text(encoding="utf-8").split("\n")
    quoted = [r for r in rows if r["source_file"] == seed.name]
    assert quoted
    for row in rows:
        cited = [int(row["source_line"])] + [int(n) for n in row["also_lines"].split(",") if n]
        assert all(n > 0 for n in cited), row["key"]
        if row in quoted:
            text = "".join(lines[n - 1] for n in cited)
            for part in row["indicator"].split("…"):
                assert part in text, (row["key"], part)
            assert row["target_text"] in text, (row["key"], row["target_text"])


def test_load_targets_cli_is_idempotent(runner, app, db):
    first = runner.invoke(args=["load-targets"])
    assert first.exit_code == 0, first.output
    assert "目标：新增 32" in first.output
    # scripts/run calls it on every start: edits made in the app are not overwritten.
    target = db.exec(select(Target).where(Target.key == KG_KEY)).one()
    target.note = "已在系统中修改"
    db.add(target)
    db.commit()
    second = runner.invoke(args=["load-targets"])
    assert second.exit_code == 0
    assert "数据库已有 5 个规划，不再导入目标" in second.output
    db.expire_all()
    assert db.exec(select(Target).where(Target.key == KG_KEY)).one().note == "已在系统中修改"
    third = runner.invoke(args=["load-targets", "--update"])
    assert third.exit_code == 0
    assert "目标：新增 0，更新 1，未变 31" in third.output
    assert len(db.exec(select(Target)).all()) == 32
    assert len(db.exec(select(Plan)).all()) == 5
    yuecheng = db.exec(
        select(Jurisdiction).where(Jurisdiction.path == "浙江省/绍兴市/越城区")
    ).one()
    assert yuecheng.division_code == "330602"


def test_load_targets_cli_reports_errors_and_writes_nothing(runner, app, db, tmp_path):
    bad = tmp_path / "targets.csv"
    bad.write_text(
        HEADER + "\nk1,p,2021,,火星,指标,,所,≥,,,1,1,2025,计数,,f,1,,\n", encoding="utf-8"
    )
    result = runner.invoke(args=["load-targets", "--file", str(bad)])
    assert result.exit_code == 1
    assert "区域「火星」不在区域表" in result.output and "数据库未改动" in result.output
    assert db.exec(select(Target)).all() == [] and db.exec(select(Jurisdiction)).all() == []


def test_plan_page_shows_seed_targets_with_sources_and_zero_of_eight(
    client, auth, targets, fixed_today
):
    auth.login("viewer")
    html = client.get("/targets").get_data(as_text=True)
    for phrase in [
        "新改扩建幼儿园8所",
        "000_b6d9e41e739bcf2d.txt 第231行（另见第318行）",
        "新改扩建中小学5所",
        "新增公办幼儿园至少15所",
        "001_356db9a72693fc68.txt 第271行",
        "全市计划实施新建、改扩建教育重点项目44个",
        "004_0555508591f202f4.txt 第25行",
        "增加公办幼儿园学位2000个以上",
        "2025年海陵区、医药高新区（高港区）特殊教育学校实现招生办学",
    ]:
        assert phrase in html, phrase
    row = re.search(rf'data-key="{KG_KEY}">(.*?)</tr>', html, re.S).group(1)
    assert "<strong>0</strong> / 8 所" in row and "尚未关联项目" in row
    assert "无法计算" not in row
    kg = _api(client)[KG_KEY]
    assert (kg["completed"], kg["target"], kg["gap"], kg["note"]) == ("0", "8", "8", "尚未关联项目")


def test_inconsistent_seed_targets_are_stored_as_written_and_flagged(client, auth, targets):
    auth.login("viewer")
    data = _api(client, "广东省/清远市/连州市")
    assert data["003-kindergarten-enrolment-221"]["target"] == "98"
    assert data["003-kindergarten-enrolment-296"]["target"] == "99"
    assert any(
        "第296行 写作「99%」" in f["message"]
        for f in data["003-kindergarten-enrolment-221"]["flags"]
    )
    rate = data["003-consolidation-rate"]
    assert rate["baseline"] == "98.2" and rate["target"] == "96"
    assert any("低于基线值" in f["message"] for f in rate["flags"])
    beds = data["003-vocational-beds"]
    assert beds["rollup"]["total"] == "3740" and not beds["rollup"]["agrees"]
    assert data["003-high-school-beds"]["rollup"] == {
        "total": "2400",
        "whole": "2400",
        "agrees": True,
        "parts": [
            {"name": n, "value": v}
            for n, v in [
                ("连州中学新建学生宿舍一栋，新增床位900个", "900"),
                (
                    "连州市第二中学按照广东省一级学校建设标准，新建学生宿舍一栋，新增床位1500个",
                    "1500",
                ),
            ]
        ],
    }
    html = client.get("/targets?jurisdiction=广东省/清远市/连州市").get_data(as_text=True)
    assert "与同一指标的另一处表述不一致" in html and "分项合计 3740 与总目标 2000 不一致" in html


# --- attainment from project data -----------------------------------------------------------


def _milestone_form(client, code):
    html = client.get(f"/projects/{code}/milestones").get_data(as_text=True)
    data = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html):
        data[name] = value
    for name in re.findall(r'<input[^>]*?name="(rows-\d+-[a-z_]+)"', html):
        data.setdefault(name, "")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        data[name] = (chosen.group(1) or chosen.group(2)) if chosen else ""
    for key in [k for k in data if k.endswith(("-delete", "-confirm"))]:
        del data[key]
    data.pop("csrf_token", None)
    return data


def test_kindergarten_reaching_handover_moves_target_from_0_to_1(
    app, client, auth, db, targets, fixed_today
):
    kg = make_project(
        db,
        code="LY-KG-01",
        name="连云新城幼儿园",
        stage="幼儿园",
        nature="新建",
        province="江苏省",
        city="连云港市",
        district="连云区",
        subdistrict="墟沟街道",
        classes_total=9,
        classes_added=9,
        start_year=2022,
        end_year=2024,
        period_text="2022-2024",
        status="在建",
    )
    with app.app_context():
        milestone_services.lay_out(db, [kg.id], TODAY)
    db.commit()
    auth.login("admin")
    before = _api(client)[KG_KEY]
    assert (before["completed"], before["under_way"], before["project_count"]) == ("0", "1", 1)
    assert before["note"] == ""

    # The PM records the actual handover date on the milestones form, as users do.
    data = _milestone_form(client, kg.code)
    index = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-name") and v == "交付使用"
    )
    data[f"rows-{index}-actual"] = "2024-06-20"
    response = client.post_form(f"/projects/{kg.code}/milestones", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    after = _api(client)[KG_KEY]
    assert (after["completed"], after["under_way"], after["gap"]) == ("1", "0", "7")
    # 2021-01-01 … 2025-12-31 (1825 days): on 2024-06-30 (day 1276) the pace expects 8 × 1276/1825.
    assert after["expected_now"] == "5.59" and after["on_pace"] is False
    html = client.get("/targets?jurisdiction=江苏省/连云港市").get_data(as_text=True)
    row = re.search(rf'data-key="{KG_KEY}">(.*?)</tr>', html, re.S).group(1)
    assert "<strong>1</strong> / 8 所" in row and "落后于进度" in row
    # The project page lists the target it counts toward.
    page = client.get(f"/projects/{kg.code}").get_data(as_text=True)
    assert "计入的规划目标" in page and "新改扩建幼儿园8所" in page
    assert any(
        t["key"] == KG_KEY for t in client.get(f"/api/projects/{kg.code}").get_json()["targets"]
    )


def test_seed_kindergartens_count_as_planned_toward_yuecheng_target(client, auth, seeded, targets):
    auth.login("viewer")
    target = _api(client, "浙江省/绍兴市/越城区")["001-public-kindergartens"]
    assert (target["completed"], target["planned"], target["project_count"]) == ("0", "3", 3)
    invest = _api(client, "浙江省/绍兴市/越城区")["001-window-investment"]
    assert invest["planned"] == "48.39" and invest["completed"] == "0"


def test_completed_investment_comes_from_the_finance_contract(
    client, auth, seeded, targets, monkeypatch
):
    from tracker.finance import summary as finance

    seen = {}

    def completed_total_fen(session, ids):
        seen["ids"] = list(ids)
        return 12_345_678_90  # 1234.567890 万元 = 0.1234567890 亿元

    monkeypatch.setattr(finance, "completed_total_fen", completed_total_fen)
    auth.login("finance")
    invest = _api(client, "浙江省/绍兴市/越城区")["001-window-investment"]
    assert len(seen["ids"]) == 35
    assert invest["completed"] == "0.123456789" and invest["gap"] == "48.266543211"


# --- jurisdictions: roll-up and narrowing ---------------------------------------------------


def test_city_roll_up_of_changzhou_district_counts_is_44(client, auth, db, targets):
    make_project(
        db, code="LY-01", name="溧阳市实验小学", province="江苏省", city="常州市", district="溧阳市"
    )
    auth.login("leader")
    city = _api(client, "江苏省/常州市")
    whole = city["004-key-projects"]
    assert (
        whole["target"] == "44" and whole["rollup"]["total"] == "44" and whole["rollup"]["agrees"]
    )
    districts = [t for t in city.values() if t["parent"] == "004-key-projects"]
    assert len(districts) == 8
    assert sum(int(t["target"]) for t in districts) == 44
    html = client.get("/targets?jurisdiction=江苏省/常州市").get_data(as_text=True)
    assert "分项合计 <strong>44</strong> 个，与总目标一致" in html
    assert "新改扩建幼儿园8所" not in html  # other places' targets are not shown
    areas = re.findall(r'<tr data-area="江苏省/常州市/([^"]+)">(.*?)</tr>', html, re.S)
    assert [name for name, _ in areas] == sorted(
        ["市本级", "溧阳市", "金坛区", "武进区", "新北区", "天宁区", "钟楼区", "经开区"]
    )
    liyang_row = dict(areas)["溧阳市"]
    assert re.findall(r'<td class="num">(\d+)</td>', liyang_row) == ["1", "1"]
    one = _api(client, "江苏省/常州市/溧阳市")
    assert list(one) == ["004-key-projects-liyang"]


def test_brief_rows_filtered_to_one_jurisdiction_show_only_its_targets(app, db, targets):
    with app.app_context():
        liyang = brief_rows(db, ProjectFilter(jurisdiction="江苏省/常州市/溧阳市"), TODAY)
        yuecheng = brief_rows(db, ProjectFilter(jurisdiction="浙江省/绍兴市/越城区"), TODAY)
        everything = brief_rows(db, ProjectFilter(), TODAY)
    assert [r.indicator for r in liyang] == ["溧阳市4个"]
    assert liyang[0].source == "004_0555508591f202f4.txt 第25行"
    assert {r.plan for r in yuecheng} == {"越城区教育事业发展“十四五”规划"}
    assert [r.indicator for r in yuecheng][0] == "新增公办幼儿园至少15所"
    assert len(everything) == 32
    kg = next(r for r in everything if r.indicator == "新改扩建幼儿园8所")
    assert (kg.current, kg.target, kg.gap) == ("0", "8", "8") and "尚未关联项目" in kg.note
    rate = next(r for r in everything if r.indicator.startswith("九年义务教育巩固率"))
    assert rate.current == "" and "统计指标" in rate.note


def test_jurisdiction_selector_lists_the_tree_and_project_places(client, auth, seeded, targets):
    auth.login("viewer")
    html = client.get("/targets").get_data(as_text=True)
    for path in ["江苏省/常州市/经开区", "浙江省/绍兴市/越城区/灵芝街道", "广东省/清远市/连州市"]:
        assert f'<option value="{path}"' in html


# --- linking projects by hand ---------------------------------------------------------------


def test_admin_links_and_unlinks_a_project_with_csrf_and_audit(client, auth, db, seeded, targets):
    auth.login("admin")
    target = targets[KG_KEY]
    url = f"/targets/{target.id}"
    response = client.post_form(
        f"{url}/links",
        {"project_code": "YC2022-06", "kind": "include", "version": "1"},
        page_url=url,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    kg = _api(client)[KG_KEY]
    assert kg["project_count"] == 1 and kg["planned"] == "1"
    page = client.get(url).get_data(as_text=True)
    assert "柯灵幼儿园百盛园区" in page and "手工关联" in page
    audit = db.exec(select(AuditEntry).where(AuditEntry.entity == "target")).all()
    assert any(
        c["field"] == "link" and c["item"].startswith("YC2022-06") and c["new"] == "include"
        for a in audit
        for c in a.changes or []
    )

    response = client.post_form(
        f"{url}/links/remove", {"project_code": "YC2022-06", "version": "2"}, page_url=url
    )
    assert response.status_code == 302
    assert _api(client)[KG_KEY]["project_count"] == 0
    assert db.exec(select(TargetLink)).all() == []


def test_excluding_a_rule_match_and_stale_version_and_unknown_code(client, auth, seeded, targets):
    auth.login("admin")
    target = targets["001-public-kindergartens"]
    url = f"/targets/{target.id}"
    response = client.post_form(
        f"{url}/links",
        {"project_code": "YC2022-16", "kind": "exclude", "version": "1"},
        page_url=url,
    )
    assert response.status_code == 302
    assert _api(client)["001-public-kindergartens"]["project_count"] == 2
    stale = client.post_form(
        f"{url}/links",
        {"project_code": "YC2022-17", "kind": "exclude", "version": "1"},
        page_url=url,
    )
    assert stale.status_code == 409
    assert "保存被拒绝：规划目标「" in stale.get_data(as_text=True)
    assert "修改了 YC2022-16" in stale.get_data(as_text=True)
    missing = client.post_form(
        f"{url}/links", {"project_code": "NOPE", "kind": "include", "version": "2"}, page_url=url
    )
    assert missing.status_code == 422 and "找不到项目编号「NOPE」" in missing.get_data(as_text=True)
    assert _api(client)["001-public-kindergartens"]["project_count"] == 2


def test_linking_needs_target_edit_permission(client, auth, seeded, targets):
    auth.login("pm")
    target = targets[KG_KEY]
    url = f"/targets/{target.id}"
    page = client.get(url).get_data(as_text=True)
    assert "关联项目</button>" not in page
    token = client.csrf_token("/targets")  # any page carries the logout form's token
    response = client.post(
        f"{url}/links", data={"csrf_token": token, "project_code": "YC2022-06", "kind": "include"}
    )
    assert response.status_code == 403


# --- bad input ------------------------------------------------------------------------------

HEADER = ",".join(TARGET_COLUMNS)


def test_odd_targets_are_stored_and_flagged_and_the_page_still_works(
    client, auth, app, db, targets
):
    from tests.conftest import TEST_ACTOR

    text = "\n".join(
        [
            HEADER,
            "bad-unit,测试规划,2021-2025,,江苏省/常州市/钟楼区,新增学位100个,,学位,≥,,,100个,100,2025,计数: 学段=小学,,x.txt,1,,",
            "bad-years,测试规划,2021-2025,,江苏省/常州市/钟楼区,新建小学2所,,所,≥,,2026,2所,2,2025,计数: 学段=小学,,x.txt,2,,",
            "bad-rule,测试规划,2021-2025,,江苏省/常州市/钟楼区,新建初中1所,,所,≥,,,1所,1,2025,计数: 学段=大学,,x.txt,3,,",
        ]
    )
    outcome = load_targets(db, actor=TEST_ACTOR, text=text)
    assert outcome.ok, outcome.errors
    db.commit()
    auth.login("viewer")
    data = _api(client, "江苏省/常州市/钟楼区")
    assert any(
        "单位「学位」与计算规则「计数」不符" in f["message"] for f in data["bad-unit"]["flags"]
    )
    assert data["bad-unit"]["completed"] is None
    assert any(
        "基线年份（2026）晚于目标年份（2025）" in f["message"] for f in data["bad-years"]["flags"]
    )
    assert any("「大学」无法识别" in f["message"] for f in data["bad-rule"]["flags"])
    response = client.get("/targets?jurisdiction=江苏省/常州市/钟楼区")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "无法计算" in html and "基线年份（2026）晚于目标年份（2025）" in html
    assert "尚未关联项目" in html  # 钟楼区's split target: a rule that matches nothing
    for key in ("bad-unit", "bad-years", "bad-rule"):
        assert client.get(f"/targets/{data[key]['id']}").status_code == 200


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("k1,p,2021,,火星/某区,指标,,所,≥,,,1,1,2025,计数,,f,1,,", "区域「火星/某区」不在区域表"),
        ("k1,p,2021,,江苏省,指标,,吨,≥,,,1,1,2025,计数,,f,1,,", "单位「吨」无法识别"),
        ("k1,p,2021,,江苏省,指标,,所,≥,,,很多,很多,2025,计数,,f,1,,", "目标值「很多」不是数字"),
        ("k1,p,2021,,江苏省,指标,,所,≥,,,1,1,二〇二五,计数,,f,1,,", "目标年份「二〇二五」不是"),
        ("k1,p,2021,,江苏省,指标,,所,≥,,,1,1,2025,计数,nope,f,1,,", "上级目标「nope」不存在"),
    ],
)
def test_unloadable_rows_are_refused_in_chinese_and_nothing_is_written(
    app, db, targets, row, message
):
    from tests.conftest import TEST_ACTOR

    before = len(db.exec(select(Target)).all())
    outcome = load_targets(db, actor=TEST_ACTOR, text=f"{HEADER}\n{row}\n")
    assert not outcome.ok
    assert any(message in e for e in outcome.errors), outcome.errors
    assert outcome.errors[0].startswith("第2行")
    db.rollback()
    assert len(db.exec(select(Target)).all()) == before


def test_api_needs_login_and_gives_exact_decimal_strings(app, client, auth, targets):
    assert client.get("/api/targets").status_code == 401
    auth.login("viewer")
    data = _api(client, "广东省/清远市/连州市")
    invest = data["003-investment"]
    assert invest["target"] == "36.12" and invest["unit"] == "亿元"
    assert isinstance(invest["completed"], str)
    assert data["003-consolidation-rate"]["completed"] is None  # statistics are not computed


def test_home_card_counts_targets(client, auth, targets, fixed_today):
    auth.login("viewer")
    html = client.get("/").get_data(as_text=True)
    card = re.search(r'<section class="figures targets-card">(.*?)</section>', html, re.S).group(1)
    assert ">32</a>" in card and "尚未关联项目" in card


# --- editing a target by hand -----------------------------------------------------------------


def _edit_data(target, **changes):
    data = {
        "indicator": target.indicator,
        "jurisdiction": target.jurisdiction,
        "topic": target.topic,
        "unit": target.unit,
        "comparator": target.comparator,
        "target_text": target.target_text,
        "target_value": str(target.target_value.normalize()),
        "target_year": str(target.target_year or ""),
        "baseline": "",
        "baseline_year": "",
        "rule": target.rule,
        "source_file": target.source_file,
        "source_line": str(target.source_line or ""),
        "note": target.note,
        "version": str(target.version),
    }
    return data | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rule": "计数: 学段=大学"}, "「大学」无法识别"),
        ({"unit": "学位"}, "单位「学位」与计算规则「计数」不符"),
        ({"baseline_year": "2026"}, "基线年份（2026）晚于目标年份（2025）"),
        ({"target_year": "二〇二五"}, "「二〇二五」不是整数"),
        ({"target_value": "八"}, "「八」不是数字"),
        ({"indicator": ""}, "请填写指标原文"),
    ],
)
def test_bad_target_edits_are_refused_in_chinese_and_nothing_is_saved(
    client, auth, db, targets, changes, message
):
    auth.login("admin")
    target = targets[KG_KEY]
    url = f"/targets/{target.id}/edit"
    response = client.post_form(url, _edit_data(target, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.expire_all()
    again = db.get(Target, target.id)
    assert (again.version, again.rule, again.unit) == (1, target.rule, "所")


def test_admin_edits_a_target_audited_and_a_stale_form_is_refused(client, auth, db, targets):
    auth.login("admin")
    target = targets[KG_KEY]
    url = f"/targets/{target.id}/edit"
    assert client.get(url).status_code == 200
    response = client.post_form(url, _edit_data(target, target_value="9", note="按新文件调整"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.expire_all()
    assert db.get(Target, target.id).target_value == 9 and db.get(Target, target.id).version == 2
    audit = db.exec(select(AuditEntry).where(AuditEntry.entity_id == KG_KEY)).all()
    assert any(
        c["field"] == "target_value" and c["new"] == "9" for a in audit for c in a.changes or []
    )
    stale = client.post_form(url, _edit_data(target, target_value="10", version="1"))
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "保存被拒绝：规划目标「" in body and "修改了 目标值：" in body
    assert "target_value" not in body  # words, never field names
    db.expire_all()
    assert db.get(Target, target.id).target_value == 9


def test_admin_adds_a_target_to_a_plan_and_pm_may_not(client, auth, db, targets):
    plan = db.get(Plan, targets[KG_KEY].plan_id)
    auth.login("admin")
    url = f"/targets/plans/{plan.id}/new"
    data = _edit_data(targets[KG_KEY], indicator="新建特殊教育学校1所", target_value="1")
    data.pop("version")
    response = client.post_form(url, data | {"rule": "计数: 学段=特殊教育学校"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "新建特殊教育学校1所" in _api_indicators(client)
    auth.logout()
    auth.login("pm", username="pm-2")
    assert client.get(url).status_code == 403


def _api_indicators(client):
    return [t["indicator"] for t in _api(client).values()]


def test_portfolio_brief_pdf_filtered_to_one_jurisdiction_shows_only_its_targets(
    client, auth, db, seeded, targets, fixed_today
):
    import io

    from pypdf import PdfReader

    make_project(
        db,
        code="LY-01",
        name="溧阳市实验小学新校区",
        province="江苏省",
        city="常州市",
        district="溧阳市",
        status="在建",
    )
    auth.login("leader")

    def brief(jurisdiction):
        response = client.get("/briefs/portfolio.pdf", query_string={"jurisdiction": jurisdiction})
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        reader = PdfReader(io.BytesIO(response.data))
        return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))

    liyang = brief("江苏省/常州市/溧阳市")
    assert "溧阳市4个" in liyang and "溧阳市实验小学新校区" in liyang
    for other in ("新改扩建幼儿园8所", "新增公办幼儿园至少15所", "市本级8个", "柯灵幼儿园百盛园区"):
        assert other not in liyang, other
    yuecheng = brief("浙江省/绍兴市/越城区")
    assert "新增公办幼儿园至少15所" in yuecheng and "柯灵幼儿园百盛园区" in yuecheng
    assert "溧阳市4个" not in yuecheng and "溧阳市实验小学新校区" not in yuecheng
