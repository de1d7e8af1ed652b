"""Totals reconcile with the source table to the fen; the list's totals line always covers exactly
the filtered rows (whatever the page or the sort); the JSON API answers with exact decimal strings."""

import csv
import re
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import SEED_CSV, make_project
from tracker.projects.models import Project


def _seed() -> list[dict]:
    with SEED_CSV.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


SEED = _seed()


def _expected(rows) -> tuple[int, str, str]:
    total = sum(Decimal(r["总投资（亿元）"].strip()) for r in rows)
    window = sum(Decimal(r["2021-2025年投资额（亿元）"].strip()) for r in rows)
    return len(rows), f"{total:,.2f}", f"{window:,.2f}"


TOTALS_LINE = re.compile(
    r"共 <strong>(\d+)</strong> 个项目，总投资 <strong>([\d,.]+)</strong> 亿元，\s*"
    r"规划期投资 <strong>([\d,.]+)</strong> 亿元"
)
ROW_CODE = re.compile(r'<td><a href="/projects/([^"]+)">\1</a></td>')


def _page(client, query: str) -> tuple[tuple[int, str, str], list[str]]:
    html = client.get(f"/projects?{query}").get_data(as_text=True)
    match = TOTALS_LINE.search(html)
    assert match, html[:2000]
    return (int(match.group(1)), match.group(2), match.group(3)), ROW_CODE.findall(html)


def test_exactly_35_projects_totalling_77_80_and_48_39_in_fen(seeded, db):
    count, total, window = db.exec(
        select(
            func.count(Project.id),
            func.sum(Project.total_investment_fen),
            func.sum(Project.window_investment_fen),
        )
    ).one()
    assert count == 35
    assert int(total) == 7_780_000_000_00  # 77.80 亿元 = 7,780,000,000.00 元
    assert int(window) == 4_839_000_000_00
    assert int(total) - int(window) == 2_941_000_000_00  # 29.41 亿元 outside the window


def test_summary_api_gives_exact_decimal_strings(seeded, auth, client):
    auth.login("viewer")
    data = client.get("/api/summary").get_json()
    assert (data["count"], data["total_investment_yi"], data["window_investment_yi"]) == (
        35,
        "77.80",
        "48.39",
    )
    assert (data["total_investment_wan"], data["window_investment_wan"]) == (
        "778000.00",
        "483900.00",
    )
    assert data["plan_window"] == "2021-2025"
    kg = client.get("/api/summary?stage=幼儿园").get_json()
    assert (kg["count"], kg["total_investment_yi"], kg["window_investment_yi"]) == (
        3,
        "1.08",
        "0.83",
    )
    assert kg["seats_added"] == (18 + 12 + 12) * 30
    assert kg["filter"] == "学段：幼儿园"


FILTERS = {
    "": lambda r: True,
    "stage=小学": lambda r: r["学段"] == "小学",
    "stage=初中": lambda r: r["学段"] == "初中",
    "subdistrict=灵芝街道": lambda r: r["建设地点"] == "灵芝街道",
    "builder=镜湖开发办": lambda r: r["建设单位"] == "镜湖开发办",
    "end_year=2026": lambda r: r["项目期限"].endswith("2026"),
    "government=0": lambda r: r["是否为政府投资项目或国有平台公司投资项目"] == "否",
    "government=1": lambda r: r["是否为政府投资项目或国有平台公司投资项目"] == "是",
    "q=暂名": lambda r: "暂名" in r["项目名称"],
    "q=yc2022-0": lambda r: r["项目编号"].startswith("YC2022-0"),  # any case, on every database
    "q=_": lambda r: "_" in r["项目名称"],  # a literal underscore, not a wildcard
    "q=%": lambda r: False,
    "status=列入规划": lambda r: True,
    "status=在建": lambda r: False,
    "stage=小学&subdistrict=灵芝街道&end_year=2027": lambda r: (
        r["学段"] == "小学" and r["建设地点"] == "灵芝街道" and r["项目期限"].endswith("2027")
    ),
    "builder=镜湖开发办&sort=total&order=desc": lambda r: r["建设单位"] == "镜湖开发办",
    "jurisdiction=浙江省/绍兴市": lambda r: True,
    "jurisdiction=江苏省": lambda r: False,
}


@pytest.mark.parametrize("query", sorted(FILTERS))
def test_totals_line_matches_the_filtered_rows(seeded, auth, client, query):
    auth.login("viewer")
    rows = [r for r in SEED if FILTERS[query](r)]
    totals, codes = _page(client, query)
    assert totals == _expected(rows)
    assert sorted(codes) == sorted(r["项目编号"] for r in rows)
    api = client.get(f"/api/summary?{query}").get_json()
    count, total, window = _expected(rows)
    assert (api["count"], api["total_investment_yi"], api["window_investment_yi"]) == (
        count,
        total.replace(",", ""),
        window.replace(",", ""),
    )


def test_archived_projects_leave_the_totals_unless_asked_for(seeded, auth, client, db):
    p = db.exec(select(Project).where(Project.code == "YC2022-14")).one()
    p.archived = True
    db.add(p)
    db.commit()
    auth.login("viewer")
    rest = [r for r in SEED if r["项目编号"] != "YC2022-14"]
    assert _page(client, "")[0] == _expected(rest) == (34, "73.45", "44.04")
    assert _page(client, "archived=1")[0] == _expected(SEED)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("total", lambda r: Decimal(r["总投资（亿元）"])),
        ("window", lambda r: Decimal(r["2021-2025年投资额（亿元）"])),
        ("classes", lambda r: int(r["总班数"]) if r["总班数"] else None),
        ("end_year", lambda r: int(r["项目期限"][-4:])),
        ("name", lambda r: r["项目名称"]),
    ],
)
def test_sorting_orders_the_rows_and_keeps_the_totals(seeded, auth, client, app, sort, key):
    app.config["PAGE_SIZE"] = 100
    auth.login("viewer")
    for order in ("asc", "desc"):
        totals, codes = _page(client, f"sort={sort}&order={order}")
        assert totals == _expected(SEED)
        values = [key(next(r for r in SEED if r["项目编号"] == c)) for c in codes]
        if sort == "name":
            continue  # collation differs between databases; order checked for numbers only
        known = [v for v in values if v is not None]
        assert known == sorted(known, reverse=order == "desc"), (sort, order)
        # rows without a value come last in both directions, on every database
        assert values == known + [None] * (len(values) - len(known))


def test_paging_walks_every_row_once_with_the_same_totals(seeded, auth, client, app):
    app.config["PAGE_SIZE"] = 10
    auth.login("viewer")
    seen = []
    for page in (1, 2, 3, 4):
        totals, codes = _page(client, f"sort=total&order=desc&page={page}")
        assert totals == _expected(SEED)
        assert len(codes) == (10 if page < 4 else 5)
        seen += codes
    assert sorted(seen) == sorted(r["项目编号"] for r in SEED)
    html = client.get("/projects?sort=total&order=desc&page=2").get_data(as_text=True)
    assert "第 2 / 4 页" in html and "page=3" in html and "sort=total" in html
    filtered, codes = _page(client, "stage=小学&page=2")
    assert filtered[0] == 21 and len(codes) == 10  # the totals line covers all 21, not the page
    assert _page(client, "page=99")[1] == []


def test_list_shows_dash_for_unknown_classes(seeded, auth, client):
    auth.login("viewer")
    html = client.get("/projects?q=富盛").get_data(as_text=True)
    assert "YC2022-11" in html and "—" in html
    assert "（1 个项目无班数）" in html


# JSON API ----------------------------------------------------------------------------------------


def test_api_projects_with_filters_and_paging(seeded, auth, client):
    auth.login("viewer")
    data = client.get("/api/projects?builder=镜湖开发办&sort=total&order=desc").get_json()
    expected = [r for r in SEED if r["建设单位"] == "镜湖开发办"]
    assert data["count"] == len(expected) == 11
    assert [p["code"] for p in data["projects"]][:2] == ["YC2022-14", "YC2022-10"]
    assert data["projects"][0]["total_investment_yi"] == "4.350000"
    page = client.get("/api/projects?per_page=10&page=4").get_json()
    assert (page["count"], len(page["projects"]), page["page"]) == (35, 5, 4)
    assert client.get("/api/projects?stage=不存在").get_json()["count"] == 0


def test_api_project_detail(seeded, auth, client):
    auth.login("viewer")
    p = client.get("/api/projects/YC2022-05").get_json()
    assert p["name"] == "育才学校"
    assert p["sections"] == {"学前段": 3, "义务段": 18, "高职": 6}
    assert (p["total_investment_yi"], p["window_investment_yi"]) == ("0.990000", "0.300000")
    assert (p["seats_total"], p["seats_declared"]) == (1170, False)
    assert p["land_area_m2"] == "17756.00"
    assert p["location_precision"] == "subdistrict" and p["location_precision_label"] == "街道中心"
    assert p["content_text"].startswith("27班，其中学前段3班")
    no_classes = client.get("/api/projects/YC2022-18").get_json()
    assert no_classes["classes_total"] is None and no_classes["seats_total"] is None


def test_api_errors_are_json(seeded, auth, client):
    response = client.get("/api/projects/YC2022-01")
    assert response.status_code == 401 and response.is_json and response.get_json()["error"]
    auth.login("viewer")
    response = client.get("/api/projects/NOPE-1")
    assert response.status_code == 404
    assert response.get_json() == {"error": "找不到这个页面或项目", "status": 404}


def test_totals_are_exact_for_many_cents(app, auth, client, db):
    """Sums of amounts with cents stay exact (no float anywhere): 3 × 0.0000000001 亿元 = 3 fen."""
    for n in range(3):
        make_project(
            db,
            code=f"C-{n}",
            total_investment_fen=1 + 10**10,
            window_investment_fen=1,
            total_investment_text="1.0000000001",
        )
    auth.login("viewer")
    data = client.get("/api/summary").get_json()
    assert data["total_investment_wan"] == "30000.00"  # 30000.000003 万元 rounded half-up
    count, total, window = db.exec(
        select(
            func.count(Project.id),
            func.sum(Project.total_investment_fen),
            func.sum(Project.window_investment_fen),
        )
    ).one()
    assert (int(total), int(window)) == (3 + 3 * 10**10, 3)


def test_summary_seats_and_classes_equal_the_sum_over_projects(seeded, app, auth, client, db):
    """The SQL aggregation of seats agrees with logic.seats() project by project."""
    from tracker.config import DEFAULT_CLASS_SIZES
    from tracker.projects.logic import seats

    make_project(db, code="M-1", stage="九年一贯制", classes_total=36, classes_added=36,
                 sections_text="小学段:24;初中段:12")  # fmt: skip
    make_project(db, code="M-2", stage="九年一贯制", classes_total=27, classes_added=9,
                 sections_text="学前段:3;义务段:18;高职:6")  # fmt: skip
    make_project(db, code="M-3", stage="小学", classes_total=None, declared_seats=900)
    make_project(db, code="M-4", stage="初中", classes_total=30, classes_added=None)
    make_project(db, code="M-5", stage="其他", classes_total=10, classes_added=10)
    make_project(db, code="M-6", stage="小学", classes_total=None, classes_added=None)
    make_project(db, code="M-7", stage="小学", sections_text="乱写", classes_total=12)
    projects = list(db.exec(select(Project)))
    expected = [seats(p, DEFAULT_CLASS_SIZES) for p in projects]
    auth.login("viewer")
    data = client.get("/api/summary").get_json()
    assert data["seats_added"] == sum(s.added for s in expected if s.added is not None)
    assert data["projects_without_seats"] == sum(1 for s in expected if s.added is None) == 4
    classes = sum(
        (p.classes_added if p.classes_added is not None else p.classes_total or 0)
        for p, s in zip(projects, expected, strict=True)
        if s.added is not None
    )
    assert data["classes_added"] == classes
    # seed only: 3 kindergartens 42 classes × 30 = 1,260 seats (checked by hand)
    assert client.get("/api/summary?stage=幼儿园").get_json()["seats_added"] == 1260
