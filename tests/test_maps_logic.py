"""Pure map rules: datum conversions against reference pairs, coordinate input, basemap choice,
街道 summaries and the JSON embedded in pages."""

import csv
import json
import re
from datetime import date

import pytest

from tests.conftest import REGISTRY_DATA
from tracker.config import DEFAULTS
from tracker.maps import coords
from tracker.maps.basemaps import choose_basemap, tile_origins
from tracker.maps.location import CoordinateError, location_source, parse_point
from tracker.maps.logic import (
    MapProject,
    circle_radius,
    encode_map_data,
    geojson,
    script_json,
    subdistrict_summaries,
)

PLACES = REGISTRY_DATA / "yuecheng_places.csv"  # a verbatim copy of the reference list
GCJ_IN_SOURCE = re.compile(r"GCJ-02 \((\d+\.\d+),(\d+\.\d+)\)\s*->\s*WGS-84")


def _reference_pairs():
    """(GCJ-02 point, WGS-84 point) pairs the places list derived by this very conversion."""
    pairs = []
    with PLACES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            match = GCJ_IN_SOURCE.search(row["source"])
            if match and row["lat_wgs84"]:
                gcj = (float(match.group(1)), float(match.group(2)))
                pairs.append((row["name"], gcj, (float(row["lat_wgs84"]), float(row["lon_wgs84"]))))
    return pairs


REFERENCE = _reference_pairs()


def test_reference_list_has_pairs():
    assert len(REFERENCE) >= 12


@pytest.mark.parametrize(("name", "gcj", "wgs"), REFERENCE, ids=[r[0][:12] for r in REFERENCE])
def test_gcj02_to_wgs84_matches_the_places_list(name, gcj, wgs):
    # the list rounds to 5 decimals (≈1 m); the conversion must land within that
    assert coords.distance_m(coords.gcj_to_wgs(*gcj), wgs) < 1.2


def test_independent_datum_reference_points():
    # eviltransform's published WGS-84 → GCJ-02 pairs (Shanghai, Shenzhen, Beijing)
    for wgs, gcj in [
        ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
        ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
        ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ]:
        assert coords.distance_m(coords.wgs_to_gcj(*wgs), gcj) < 0.01
        assert coords.distance_m(coords.gcj_to_wgs(*gcj), wgs) < 0.01
    # coordtransform's published BD-09 ↔ GCJ-02 pair (lat, lon); its closed-form inverse is a few
    # centimetres short of exact, which the iteration here corrects
    assert (
        coords.distance_m(
            coords.bd_to_gcj(39.915, 116.404), (39.90865673957631, 116.39762729119315)
        )
        < 0.1
    )
    assert (
        coords.distance_m(
            coords.gcj_to_bd(39.915, 116.404), (39.92133699351021, 116.41036949371029)
        )
        < 0.01
    )


@pytest.mark.parametrize("datum", ["wgs84", "gcj02", "bd09"])
@pytest.mark.parametrize(
    "point", [(30.0328, 120.5763), (29.9, 120.8), (39.9, 116.4), (22.5, 114.0)]
)
def test_round_trips(datum, point):
    there = coords.from_wgs84(*point, datum)
    assert coords.distance_m(coords.to_wgs84(*there, datum), point) < 0.05


def test_offsets_have_the_expected_size_here():
    point = (30.0328, 120.5763)  # 绍兴市行政中心
    assert 400 < coords.distance_m(coords.wgs_to_gcj(*point), point) < 600
    assert 1000 < coords.distance_m(coords.from_wgs84(*point, "bd09"), point) < 1500


def test_outside_china_is_unchanged():
    assert coords.wgs_to_gcj(51.5, -0.12) == (51.5, -0.12)
    assert coords.gcj_to_wgs(51.5, -0.12) == (51.5, -0.12)


def test_unknown_datum_is_an_error():
    with pytest.raises(ValueError):
        coords.to_wgs84(30, 120, "utm")


@pytest.mark.parametrize(
    ("lat", "lon", "datum", "message"),
    [
        ("", "120", "wgs84", "请填写纬度"),
        ("30", "", "wgs84", "请填写经度"),
        ("30.0x", "120", "wgs84", "不是数字"),
        ("120.57", "30.03", "wgs84", "可能填反了"),
        ("91", "120", "wgs84", "纬度应在"),
        ("30", "181", "wgs84", "经度应在"),
        ("nan", "120", "wgs84", "不是有效数字"),
        ("51.5", "-0.12", "gcj02", "只在中国境内使用"),
        ("30", "120", "utm", "请选择坐标系"),
    ],
)
def test_bad_points(lat, lon, datum, message):
    with pytest.raises(CoordinateError, match=message):
        parse_point(lat, lon, datum)


def test_good_points_accept_usual_writing():
    assert parse_point(" 30.0328° ", "120.5763，", "gcj02") == (30.0328, 120.5763)
    assert parse_point("51.5", "-0.12", "wgs84") == (51.5, -0.12)


def test_location_source_text():
    assert location_source("gcj02", "click", "高德地图", "") == (
        "在地图上点选（高德地图底图），由 GCJ-02（高德、腾讯地图） 转换为 WGS-84"
    )
    assert (
        location_source("wgs84", "typed", "OpenStreetMap", " 总平面图 ") == "手工输入坐标；总平面图"
    )


def _settings(**overrides):
    return {k: v for k, v in DEFAULTS.items() if k.startswith("MAP_")} | overrides


def test_basemap_choices():
    osm = choose_basemap(_settings())
    assert (osm.key, osm.datum, osm.notice) == ("osm", "wgs84", "")
    assert tile_origins(osm) == ["https://tile.openstreetmap.org"]
    amap = choose_basemap(_settings(MAP_BASEMAP="amap"))
    assert amap.datum == "gcj02" and tile_origins(amap) == ["https://*.is.autonavi.com"]
    key = "a" * 32
    tdt = choose_basemap(_settings(MAP_BASEMAP="tianditu", MAP_TIANDITU_KEY=key))
    assert len(tdt.tiles) == 2 and all(f"tk={key}" in t.url for t in tdt.tiles)
    assert tile_origins(tdt) == ["https://*.tianditu.gov.cn"]
    blank = choose_basemap(_settings(MAP_BASEMAP="none"))
    assert blank.tiles == () and blank.notice == ""
    local = choose_basemap(_settings(MAP_TILES_OSM="/tiles/{z}/{x}/{y}.png"))
    assert tile_origins(local) == []
    odd = choose_basemap(_settings(MAP_BASEMAP="google"))
    assert odd.key == "osm" and "未知的底图设置" in odd.notice


def _project(number, **overrides):
    values = dict(
        id=number,
        code=f"P{number}",
        name=f"项目{number}",
        stage="小学",
        classes_total=24,
        seats_total=1080,
        seats_added=1080,
        total_fen=150_000_000_00,
        window_fen=100_000_000_00,
        period_text="2023-2025",
        lat=30.0 + number / 100,
        lon=120.5,
        precision="road",
        district="越城区",
        subdistrict="灵芝街道",
    )
    return MapProject(**(values | overrides))


def test_subdistrict_summary_prefers_a_recorded_centre():
    projects = [
        _project(1),
        _project(2, precision="subdistrict", lat=30.5, lon=120.9),
        _project(3, subdistrict="东湖街道", health="逾期"),
        _project(4, subdistrict="东湖街道", lat=30.2, lon=120.7),
        _project(5, subdistrict="东湖街道", lat=None, lon=None, precision="none"),
    ]
    areas = {s.name: s for s in subdistrict_summaries(projects)}
    assert (areas["灵芝街道"].lat, areas["灵芝街道"].lon, areas["灵芝街道"].centre_known) == (
        30.5,
        120.9,
        True,
    )
    east = areas["东湖街道"]
    assert east.count == 3 and east.total_fen == 3 * 150_000_000_00
    assert (round(east.lat, 6), round(east.lon, 6)) == (30.115, 120.6) and not east.centre_known
    assert east.health == {"逾期": 1, "未开始": 2}


def test_circle_area_follows_the_value():
    assert circle_radius(0, 100) == 8 and circle_radius(100, 100) == 38
    assert circle_radius(25, 100) == 23  # a quarter of the value, half the extra radius


def test_encoding_is_compact_and_exact():
    projects = [
        _project(1, next_milestone="施工许可", next_due=date(2026, 3, 1)),
        _project(2, lat=None),
    ]
    data = encode_map_data(projects, datum="wgs84")
    assert len(data["projects"]) == 1
    row = dict(zip(data["fields"], data["projects"][0], strict=True))
    assert row["total_yi"] == "1.50" and row["next_due"] == "2026-03-01"
    assert data["strings"][row["next_milestone"]] == "施工许可"
    gcj = encode_map_data(projects, datum="gcj02")
    assert gcj["projects"][0][-2:] != data["projects"][0][-2:]


def test_ten_thousand_rows_fit_the_budget():
    projects = [
        _project(i, name=f"绍兴市越城区第{i}号新建九年一贯制学校（暂名）", lat=30 + i / 1e5)
        for i in range(10_000)
    ]
    size = len(script_json(encode_map_data(projects, datum="wgs84")).encode())
    assert size < 1_500_000


def test_script_json_cannot_end_the_script():
    hostile = "</script><!--<script>`${x}`\\\u2028&amp;"
    text = script_json({"name": hostile})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": hostile}


def test_geojson_is_lon_lat_wgs84():
    collection = geojson(
        [_project(1, code="A/1"), _project(2, lat=None)],
        project_url="/p/__CODE__",
        description="全部",
    )
    (feature,) = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [120.5, 30.01]}
    assert feature["properties"]["url"] == "/p/A%2F1"
    assert feature["properties"]["total_investment_yi"] == "1.500000"
    assert collection["unlocated"] == 1
