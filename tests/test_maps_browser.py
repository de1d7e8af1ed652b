"""The maps in a real headless Chromium against the app on 127.0.0.1: markers, popups, the 街道 layer,
setting a location by clicking, hostile names, basemap failures, and no request leaving the machine.
The tests that only look at the seed portfolio share one database and live server (`shared`)."""

import struct
import time
import zlib

import pytest
from flask import Response
from sqlmodel import select

from tests.conftest import ARTIFACTS, make_project
from tracker.maps.coords import distance_m, gcj_to_wgs
from tracker.projects.models import Project

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>\"'`${alert(3)}`\\n\\"
HOSTILE_PLACE = "</script><i>街</i>`${1}`'\"\\"  # 街道 names are at most 40 characters
TILE_PATH = "/_test-tiles/{z}/{x}/{y}.png"


def _png(width: int = 256, height: int = 256) -> bytes:
    """A pale tile with a darker border, so the basemap is visibly there in screenshots."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            edge = x == 0 or y == 0
            row += bytes((200, 208, 216) if edge else (236, 240, 244))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


TILE = _png()


def _serve_tiles(app):
    """Tiles served by the app under test: every basemap points here (403 for a 'bad' key)."""

    def tile(z, x, y):
        return Response(TILE, mimetype="image/png")

    def refused(z, x, y):
        return Response(b"invalid key", status=403, mimetype="text/plain")

    app.add_url_rule("/_test-tiles/<int:z>/<int:x>/<int:y>.png", "test_tile", tile)
    app.add_url_rule("/_test-tiles/bad/<int:z>/<int:x>/<int:y>.png", "test_tile_bad", refused)
    app.config.update(MAP_TILES_OSM=TILE_PATH, MAP_TILES_AMAP=TILE_PATH)
    return app


@pytest.fixture
def local_tiles(app):
    return _serve_tiles(app)


@pytest.fixture(scope="module")
def module_tiles(module_app):
    """The tiles on the module's shared app, for the tests that only look at the seed portfolio."""
    return _serve_tiles(module_app)


@pytest.fixture
def shared(browser, module_browser_login, module_live_server, module_tiles, module_seeded):
    """A viewer's page on the module's shared app and seed portfolio, and that app."""
    return module_browser_login(browser, "viewer"), module_live_server.url, module_tiles


class Watch:
    """Records JS errors, dialogs and every request; aborts any request not to the app."""

    def __init__(self, page, origin: str):
        self.errors, self.console, self.dialogs, self.requests, self.outside = [], [], [], [], []
        self.origin = origin
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)
        page.on("dialog", self._dialog)
        page.on(
            "response",
            lambda r: r.status >= 400 and self.console.append(f"{r.status} {r.url}"),
        )
        page.route("**/*", self._route)

    def _console(self, message):
        # Chromium's own favicon probe is not the map's business (the app has no favicon).
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.console.append(f"{message.text} ({message.location.get('url')})")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.origin + "/") or url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def assert_clean(self, *, console: bool = True):
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside[:5]}"
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        if console:
            assert self.console == [], self.console


def _wait_until(page, expression: str, timeout: float = 5.0):
    """Poll a JS expression (page.wait_for_function needs eval, which the app's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def _open_map(page, url: str):
    page.goto(url)
    page.wait_for_selector(".tm-map.tm-ready", timeout=10_000)


def _popup_text(page) -> str:
    page.wait_for_selector(".leaflet-popup .tm-popup", timeout=5_000)
    return page.inner_text(".leaflet-popup .tm-popup")


def test_portfolio_map_in_the_browser(shared):
    page, url, _app = shared
    watch = Watch(page, url)
    _open_map(page, f"{url}/maps")

    assert page.evaluate("TrackerMap.state.cluster.getLayers().length") == 35
    assert page.locator(".leaflet-marker-icon").count() > 0  # clusters and single markers drawn
    assert page.locator(".leaflet-tile-loaded").count() > 0  # the local basemap tiles
    assert page.locator("path.leaflet-interactive").count() == 16  # one circle per 街道/镇
    # the shapes say how precise each location is
    assert (
        page.evaluate(
            "Object.values(TrackerMap.state.markers).filter(m => m.project.precision === 'road').length"
        )
        == 10
    )
    assert page.is_visible(".tm-legend") and "街道中心：非实际选址" in page.inner_text(".tm-legend")

    # a user clicks a single (unclustered) marker: its popup shows the project
    page.evaluate("TrackerMap.state.map.setZoom(13)")
    # Under load the zoom and the clusters' split animate for longer than any fixed pause.
    _wait_until(
        page,
        "TrackerMap.state.map.getZoom() === 13 && !TrackerMap.state.map._animatingZoom"
        " && !TrackerMap.state.cluster._inZoomAnimation",
        timeout=15,
    )
    page.wait_for_timeout(300)
    icon = page.locator(".leaflet-marker-icon.tm-marker").first
    icon.click()
    text = _popup_text(page)
    assert "学段" in text and "项目期限" in text and "打开项目页" in text

    # open a known project through the cluster (zooms/spiderfies as needed)
    assert page.evaluate("TrackerMap.state.open('YC2022-10')")
    _wait_until(
        page,
        "document.querySelector('.leaflet-popup .tm-popup-title')?.textContent.includes('元培中学镜湖校区')",
    )
    text = _popup_text(page)
    for expected in (
        "元培中学镜湖校区（暂名站前中学）",
        "初中",
        "4.14 亿元",
        "2021-2024",
        "下一节点",
        "道路围合估计",
    ):
        assert expected in text, (expected, text)
    href = page.get_attribute(".leaflet-popup .tm-popup-title", "href")
    assert href == "/projects/YC2022-10"

    page.evaluate("TrackerMap.state.map.closePopup(); TrackerMap.state.cluster.refreshClusters()")
    page.goto(f"{url}/maps")
    page.wait_for_selector(".tm-map.tm-ready")
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "maps-portfolio.png"), full_page=True)
    watch.assert_clean()


def test_filtered_map_and_focus(shared):
    page, url, _app = shared
    watch = Watch(page, url)
    _open_map(page, f"{url}/maps?stage=幼儿园&focus=YC2022-16")
    assert page.evaluate("TrackerMap.state.cluster.getLayers().length") == 3
    _wait_until(
        page,
        "document.querySelector('.leaflet-popup .tm-popup-title')?.textContent === '两湖幼儿园（暂名）'",
    )
    assert "街道中心（非实际选址）" in _popup_text(page)
    watch.assert_clean()


def test_hostile_name_is_shown_as_text(browser, browser_login, live_server, local_tiles, db):
    make_project(db, name=HOSTILE, subdistrict=HOSTILE_PLACE, lat=30.12, lon=120.45)
    make_project(db, lat=29.95, lon=120.70)
    page = browser_login(browser, "viewer")
    watch = Watch(page, live_server.url)
    _open_map(page, f"{live_server.url}/maps")
    page.evaluate("TrackerMap.state.map.setZoom(12)")
    page.wait_for_timeout(500)
    page.evaluate_handle("TrackerMap.state.markers['T-0001']._icon").as_element().click()
    page.wait_for_selector(".leaflet-popup .tm-popup-title")
    shown = page.evaluate("document.querySelector('.leaflet-popup .tm-popup-title').textContent")
    assert shown == HOSTILE
    assert (
        page.evaluate("document.querySelectorAll('img[src=x], .leaflet-popup script').length") == 0
    )
    page.wait_for_timeout(500)  # let the popup finish panning into view
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "maps-hostile.png"))
    # the project page (small map with the same name) is just as safe
    page.goto(f"{live_server.url}/projects/T-0001")
    page.wait_for_selector(".tm-map.tm-ready")
    assert HOSTILE in page.evaluate("document.querySelector('h1').textContent")
    watch.assert_clean()


@pytest.mark.parametrize("basemap", ["osm", "amap"])
def test_pm_sets_location_by_clicking(
    browser, browser_login, live_server, local_tiles, seeded, db, basemap
):
    local_tiles.config["MAP_BASEMAP"] = basemap
    project = db.exec(select(Project).where(Project.code == "YC2022-07")).one()
    page = browser_login(browser, "pm", projects=[project])
    watch = Watch(page, live_server.url)
    page.goto(f"{live_server.url}/projects/YC2022-07")
    page.wait_for_selector(".tm-map.tm-ready")
    assert "街道中心（非实际选址）" in page.inner_text("#map-panel")
    page.locator(".tm-map").click(position={"x": 120, "y": 90})
    lat = float(page.input_value("#location-form [name=lat]"))
    lon = float(page.input_value("#location-form [name=lon]"))
    datum = page.input_value("#location-form [name=datum]")
    assert datum == ("gcj02" if basemap == "amap" else "wgs84")
    assert page.input_value("#location-form [name=origin]") == "click"
    if basemap == "osm":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "maps-project-location.png"), full_page=True)
    page.click("#location-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/projects/YC2022-07")
    assert "已设置" in page.inner_text(".flash")
    db.refresh(project)
    assert project.location_precision == "site"
    expected = gcj_to_wgs(lat, lon) if basemap == "amap" else (lat, lon)
    assert distance_m((project.lat, project.lon), expected) < 0.5
    assert ("GCJ-02" in project.location_source) == (basemap == "amap")
    watch.assert_clean()


def test_rejected_tianditu_key_shows_a_notice(shared, monkeypatch):
    page, url, app = shared
    for key, value in {
        "MAP_BASEMAP": "tianditu",
        "MAP_TIANDITU_KEY": "0123456789abcdef0123456789abcdef",
        "MAP_TILES_TIANDITU_VEC": "/_test-tiles/bad/{z}/{x}/{y}.png?tk={tk}",
        "MAP_TILES_TIANDITU_CVA": "/_test-tiles/bad/{z}/{x}/{y}.png?tk={tk}&labels=1",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    watch = Watch(page, url)
    _open_map(page, f"{url}/maps")
    page.wait_for_selector("#portfolio-map-tile-notice:not([hidden])", timeout=5_000)
    assert "底图加载失败" in page.inner_text("#portfolio-map-tile-notice")
    assert page.evaluate("TrackerMap.state.cluster.getLayers().length") == 35
    watch.assert_clean(console=False)  # the refused tiles log 403s; nothing else may fail


def test_blank_basemap_still_draws(shared, monkeypatch):
    page, url, app = shared
    monkeypatch.setitem(app.config, "MAP_BASEMAP", "none")
    watch = Watch(page, url)
    _open_map(page, f"{url}/maps")
    assert page.evaluate("TrackerMap.state.cluster.getLayers().length") == 35
    assert page.locator(".leaflet-tile").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "maps-blank-basemap.png"))
    watch.assert_clean()
