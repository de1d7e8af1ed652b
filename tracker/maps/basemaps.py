"""Which basemap to draw (settings → tile layers and their datum), with a Chinese notice when the
configured one cannot be used, and the tile origins the page's CSP must allow."""

import re
from dataclasses import dataclass

BASEMAPS = {
    "osm": "OpenStreetMap",
    "tianditu": "天地图",
    "amap": "高德地图",
    "none": "无底图",
}
_TIANDITU_KEY = re.compile(r"^[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class TileSpec:
    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    """The basemap to draw: its tile layers (none for a blank map), the datum its tiles use, and a
    Chinese notice when the configured one cannot be used."""

    key: str
    label: str
    datum: str = "wgs84"
    tiles: tuple[TileSpec, ...] = ()
    notice: str = ""


def choose_basemap(settings: dict) -> Basemap:
    """Resolve MAP_BASEMAP and its settings; a missing or malformed 天地图 key falls back to a blank
    basemap with a notice (markers and the 街道 layer still draw)."""
    key = str(settings.get("MAP_BASEMAP") or "osm").strip().lower()
    if key == "none":
        return Basemap("none", BASEMAPS["none"])
    if key == "amap":
        tile = TileSpec(settings["MAP_TILES_AMAP"], "© 高德地图", "1234")
        return Basemap("amap", BASEMAPS["amap"], "gcj02", (tile,))
    if key == "tianditu":
        tk = str(settings.get("MAP_TIANDITU_KEY") or "").strip()
        if not tk:
            return Basemap(
                "none",
                BASEMAPS["none"],
                notice="底图设置为天地图，但没有配置天地图密钥（TRACKER_MAP_TIANDITU_KEY），"
                "已改为无底图显示。请管理员在设置中填写密钥。",
            )
        if not _TIANDITU_KEY.match(tk):
            return Basemap(
                "none",
                BASEMAPS["none"],
                notice="天地图密钥格式不正确（应为 32 位十六进制字符），已改为无底图显示。"
                "请管理员检查 TRACKER_MAP_TIANDITU_KEY。",
            )
        layers = tuple(
            TileSpec(settings[name].replace("{tk}", tk), "© 天地图", "01234567")
            for name in ("MAP_TILES_TIANDITU_VEC", "MAP_TILES_TIANDITU_CVA")
        )
        return Basemap("tianditu", BASEMAPS["tianditu"], "wgs84", layers)
    notice = (
        ""
        if key == "osm"
        else f"未知的底图设置「{key}」，已改用 OpenStreetMap。可选：osm、tianditu、amap、none。"
    )
    tile = TileSpec(settings["MAP_TILES_OSM"], "© OpenStreetMap 贡献者", "abc", 19)
    return Basemap("osm", BASEMAPS["osm"], "wgs84", (tile,), notice)


def tile_origins(basemap: Basemap) -> list[str]:
    """Origins the browser fetches tiles from (for the page's CSP); '{s}' hosts become '*.' wildcards."""
    origins = set()
    for tile in basemap.tiles:
        if "//" not in tile.url:
            continue  # a path on this server
        scheme, _, rest = tile.url.partition("//")
        host = rest.split("/", 1)[0]
        labels = host.split(".")
        if "{" in labels[0]:
            labels[0] = "*"
        origins.add(f"{scheme}//{'.'.join(labels)}")
    return sorted(origins)
