"""The map pages and API through the test client: offline assets, filters, safe text, basemaps,
setting a location (CSRF on, permissions, datum conversion, stale edits, audit)."""

import json
import re
from decimal import Decimal

import folium
import pytest
from sqlmodel import select

from tests.conftest import make_project
from tracker.audit.models import AuditEntry
from tracker.maps.coords import distance_m, from_wgs84
from tracker.projects.models import Project

HOSTILE = (
    "</script><script>alert(1)</script><img src=x onerror=alert(2)>\"'`${alert(3)}`\\ \u2028<!--"
)
HOSTILE_PLACE = "</script><i>街</i>`${1}`'\"\\"  # 街道 names are at most 40 characters
RESOURCE = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", re.I)
YUECHENG_BBOX = (29.90, 30.16, 120.45, 120.80)  # lat min/max, lon min/max


def page_data(html: str, element_id: str) -> dict:
    match = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S
    )
    assert match, f"no data block {element_id}"
    return json.loads(match.group(1))


def decoded(data: dict) -> list[dict]:
    return [dict(zip(data["fields"], row, strict=True)) for row in data["projects"]]


def test_map_page_loads_only_local_assets(client, auth, seeded):
    auth.login("viewer")
    html = client.get("/maps").get_data(as_text=True)
    resources = RESOURCE.findall(html)
    assert resources, "the map page loads its scripts and styles"
    for _tag, url in resources:
        assert url.startswith("/"), f"external resource {url}"
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
    urls = {u for _t, u in resources}
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in urls
    # The only http(s) address in the page is the tile URL template.
    external = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert external == {"https://tile.openstreetmap.org/{z}/{x}/{y}.png"}
    for cdn in ("jquery", "bootstrap", "awesome", "font-awesome", "cdn.jsdelivr", "cdnjs"):
        assert cdn not in html
    # folium's own module-level defaults were not touched (replaced per map instance only).
    assert folium.Map.default_js[0][1].startswith("https://cdn.jsdelivr.net/")
    assert any("bootstrap" in url for _name, url in folium.Map.default_css)


def test_seed_projects_drawn_at_recorded_precision(client, auth, seeded, db):
    auth.login("viewer")
    html = client.get("/maps").get_data(as_text=True)
    rows = decoded(page_data(html, "portfolio-map"))
    projects = {p.code: p for p in db.exec(select(Project))}
    assert len(rows) == len(projects) == 35
    data = page_data(html, "portfolio-map")
    for row in rows:
        p = projects[row["code"]]
        assert data["precision"][row["precision"]] == p.location_precision
        assert (row["lat"], row["lon"]) == (round(p.lat, 6), round(p.lon, 6))
        lat_min, lat_max, lon_min, lon_max = YUECHENG_BBOX
        assert lat_min < row["lat"] < lat_max and lon_min < row["lon"] < lon_max, row["code"]
    counts = {
        k: sum(1 for p in projects.values() if p.location_precision == k) for k in data["precision"]
    }
    assert counts == {"site": 0, "road": 10, "subdistrict": 25}
    assert "道路围合估计（大致位置） 10" in html and "街道中心（非实际选址） 25" in html
    assert "街道中心：非实际选址" in html  # the legend says what a hollow 街 ring means


def test_popup_data_carries_the_fields(client, auth, seeded):
    auth.login("viewer")
    data = page_data(client.get("/maps").get_data(as_text=True), "portfolio-map")
    row = next(r for r in decoded(data) if r["code"] == "YC2022-01")
    assert row["name"] == "鲁迅小学教育集团凤鸣校区"
    assert data["strings"][row["stage"]] == "小学"
    assert (row["classes_total"], row["seats_total"]) == (24, 24 * 45)
    assert row["total_yi"] == "1.50"
    assert data["strings"][row["period"]] == "2018-2021"
    assert data["health"][row["health"]] == "未开始" or data["health"][row["health"]]
    assert data["project_url"] == "/projects/__CODE__"


def test_subdistrict_layer_totals(client, auth, seeded):
    auth.login("viewer")
    data = page_data(client.get("/maps").get_data(as_text=True), "portfolio-map")
    areas = {a["name"]: a for a in data["areas"]}
    assert sum(a["count"] for a in areas.values()) == 35
    total = sum(Decimal(a["total_yi"]) for a in areas.values())
    assert total == Decimal("77.80")
    assert areas["灵芝街道"]["count"] == 8
    # the largest total gets the largest circle
    biggest = max(areas.values(), key=lambda a: Decimal(a["total_yi"]))
    assert biggest["r"] == max(a["r"] for a in areas.values())
    by_seats = page_data(client.get("/maps?size_by=seats").get_data(as_text=True), "portfolio-map")
    assert by_seats["size_by"] == "seats"


def test_filters_apply_to_the_map_and_geojson(client, auth, seeded):
    auth.login("viewer")
    html = client.get("/maps?stage=幼儿园").get_data(as_text=True)
    rows = decoded(page_data(html, "portfolio-map"))
    assert {r["name"] for r in rows} == {
        "柯灵幼儿园百盛园区",
        "两湖幼儿园（暂名）",
        "871地块幼儿园（暂名）",
    }
    assert "学段：幼儿园" in html
    geo = client.get("/api/projects.geojson?subdistrict=马山街道").get_json()
    assert geo["type"] == "FeatureCollection"
    assert {f["properties"]["subdistrict"] for f in geo["features"]} == {"马山街道"}
    assert len(geo["features"]) == 3


def test_geojson_shape(client, auth, seeded):
    auth.login("viewer")
    response = client.get("/api/projects.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    geo = response.get_json()
    assert len(geo["features"]) == 35 and geo["unlocated"] == 0
    feature = next(f for f in geo["features"] if f["id"] == "YC2022-10")
    lon, lat = feature["geometry"]["coordinates"]  # RFC 7946: [lon, lat], WGS-84
    assert (lat, lon) == (30.0893, 120.5368)
    props = feature["properties"]
    assert props["location_precision"] == "road"
    assert props["url"] == "/projects/YC2022-10"
    assert props["total_investment_yi"] == "4.140000"


def test_geojson_requires_login(client, seeded):
    response = client.get("/api/projects.geojson")
    assert response.status_code == 401
    assert response.is_json


def test_unlocated_projects_are_counted_not_drawn(client, auth, db):
    make_project(db, lat=None, lon=None, location_precision="none")
    make_project(db)
    auth.login("viewer")
    html = client.get("/maps").get_data(as_text=True)
    assert len(page_data(html, "portfolio-map")["projects"]) == 1
    assert "另有 1 个项目没有位置" in html
    assert client.get("/api/projects.geojson").get_json()["unlocated"] == 1


def test_hostile_text_stays_data(client, auth, db):
    make_project(db, name=HOSTILE, subdistrict=HOSTILE_PLACE)
    auth.login("viewer")
    html = client.get("/maps").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    data = page_data(html, "portfolio-map")
    assert data["projects"][0][1] == HOSTILE
    assert data["areas"][0]["name"] == HOSTILE_PLACE
    # the data block is the only place the name appears (Folium's script never sees user text)
    script = html.split('id="portfolio-map">')[1]
    assert "alert" not in script.split("</script>", 1)[1]


def test_amap_basemap_draws_gcj02_points(app, client, auth, seeded, db):
    app.config["MAP_BASEMAP"] = "amap"
    auth.login("viewer")
    html = client.get("/maps").get_data(as_text=True)
    assert "webrd0{s}.is.autonavi.com" in html
    p = db.exec(select(Project).where(Project.code == "YC2022-01")).one()
    row = next(r for r in decoded(page_data(html, "portfolio-map")) if r["code"] == p.code)
    drawn = (row["lat"], row["lon"])
    assert distance_m(drawn, from_wgs84(p.lat, p.lon, "gcj02")) < 0.2
    assert 300 < distance_m(drawn, (p.lat, p.lon)) < 700  # GCJ-02 is ~0.5 km off here
    # stored coordinates are untouched (drawing only)
    db.refresh(p)
    assert (p.lat, p.lon) == (29.9834, 120.61444)


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "没有配置天地图密钥"), ("not-a-key", "天地图密钥格式不正确")],
)
def test_tianditu_without_a_usable_key_shows_a_notice(app, client, auth, seeded, key, message):
    app.config.update(MAP_BASEMAP="tianditu", MAP_TIANDITU_KEY=key)
    auth.login("viewer")
    response = client.get("/maps")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "tianditu.gov.cn" not in html  # no broken tile layer: a blank basemap instead
    assert len(page_data(html, "portfolio-map")["projects"]) == 35


def test_tianditu_with_key_has_vector_and_labels(app, client, auth, seeded):
    key = "0123456789abcdef0123456789abcdef"
    app.config.update(MAP_BASEMAP="tianditu", MAP_TIANDITU_KEY=key)
    auth.login("viewer")
    html = client.get("/maps").get_data(as_text=True)
    assert "vec_w/wmts" in html and "cva_w/wmts" in html and f"tk={key}" in html


def test_blank_basemap_has_no_tiles(app, client, auth, seeded):
    app.config["MAP_BASEMAP"] = "none"
    auth.login("viewer")
    html = client.get("/maps").get_data(as_text=True)
    assert "L.tileLayer" not in html
    assert not re.findall(r"https?://", html)
    assert len(page_data(html, "portfolio-map")["projects"]) == 35


def test_project_page_has_a_small_map(client, auth, seeded):
    auth.login("viewer")
    html = client.get("/projects/YC2022-10").get_data(as_text=True)
    assert "位置地图" in html and 'id="project-map"' in html
    assert "TrackerMap.project(" in html
    assert 'id="location-form"' not in html  # a viewer cannot set the location
    data = page_data(html, "project-map")
    assert data["projects"][0][0] == "YC2022-10" and "edit" not in data


def _location(client, code, **values):
    url = f"/maps/projects/{code}/location"
    return client.post_form(url, {"datum": "wgs84", "origin": "typed", "note": "", **values})


def test_pm_sets_location_from_gcj02_coordinates(client, auth, seeded, db):
    project = db.exec(select(Project).where(Project.code == "YC2022-05")).one()
    auth.login("pm", projects=[project])
    page = client.get("/projects/YC2022-05").get_data(as_text=True)
    assert 'id="location-form"' in page
    # GCJ-02 → WGS-84 reference pair from the 越城区 places list (东浦街道, checked against Wikipedia)
    response = _location(
        client,
        "YC2022-05",
        lat="30.052191",
        lon="120.535710",
        datum="gcj02",
        note="总平面图",
        version=str(project.version),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.refresh(project)
    assert distance_m((project.lat, project.lon), (30.05474, 120.53151)) < 1.5
    assert project.location_precision == "site"
    assert "GCJ-02" in project.location_source and "总平面图" in project.location_source
    assert project.version == 2
    fields = {
        c["field"]
        for e in db.exec(select(AuditEntry).where(AuditEntry.project_id == project.id))
        for c in e.changes or []
    }
    assert {"lat", "lon", "location_precision", "location_source"} <= fields


def test_bd09_input_is_converted(client, auth, seeded, db):
    auth.login("admin")
    # a WGS-84 point expressed in BD-09 must come back to the same point
    wgs = (30.0, 120.6)
    bd = from_wgs84(*wgs, "bd09")
    response = _location(client, "YC2022-07", lat=f"{bd[0]:.7f}", lon=f"{bd[1]:.7f}", datum="bd09")
    assert response.status_code == 302
    project = db.exec(select(Project).where(Project.code == "YC2022-07")).one()
    assert distance_m((project.lat, project.lon), wgs) < 0.2
    assert "BD-09" in project.location_source


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("", "120.5", "请填写纬度"),
        ("abc", "120.5", "不是数字"),
        ("120.5763", "30.0328", "可能填反了"),
        ("95", "200", "纬度应在"),
        ("30", "190", "经度应在"),
    ],
)
def test_bad_coordinates_are_refused_in_chinese(client, auth, seeded, db, lat, lon, message):
    auth.login("admin")
    response = _location(client, "YC2022-07", lat=lat, lon=lon)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    project = db.exec(select(Project).where(Project.code == "YC2022-07")).one()
    db.refresh(project)
    assert project.location_precision == "subdistrict" and project.version == 1


def test_location_needs_permission(client, auth, seeded, db):
    other = db.exec(select(Project).where(Project.code == "YC2022-02")).one()
    auth.login("pm", projects=[other])
    assert _location(client, "YC2022-07", lat="30", lon="120.6").status_code == 403
    assert client.get("/maps/projects/YC2022-07/location").status_code == 403


def test_viewer_cannot_set_location(client, auth, seeded, db):
    """A complete, valid form with a valid CSRF token: only the permission check can refuse it."""
    auth.login("viewer")
    project = db.exec(select(Project).where(Project.code == "YC2022-07")).one()
    before = (project.lat, project.lon, project.location_precision, project.version)
    form = {"lat": "30", "lon": "120.6", "datum": "wgs84", "origin": "typed", "note": ""}
    response = client.post_form(
        "/maps/projects/YC2022-07/location", form | {"version": str(project.version)}, page_url="/"
    )
    assert response.status_code == 403
    assert "没有权限进行此操作" in response.get_data(as_text=True)
    db.refresh(project)
    assert (project.lat, project.lon, project.location_precision, project.version) == before


def test_stale_location_edit_is_refused(client, auth, seeded, db):
    auth.login("admin")
    project = db.exec(select(Project).where(Project.code == "YC2022-07")).one()
    first = _location(client, "YC2022-07", lat="30", lon="120.6", version="1")
    assert first.status_code == 302
    second = _location(client, "YC2022-07", lat="30.1", lon="120.7", version="1")
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "保存被拒绝：项目 YC2022-07 已被他人修改" in page and "修改了 纬度：" in page
    assert "30.1" in page  # the typed point is shown back
    db.refresh(project)
    assert (project.lat, project.lon) == (30.0, 120.6)


def test_project_list_links_to_the_map_with_its_filter(client, auth, seeded):
    auth.login("viewer")
    html = client.get("/projects?stage=小学").get_data(as_text=True)
    assert "/maps?stage=" in html and "在地图上查看" in html
    assert "地图" in client.get("/").get_data(as_text=True)
