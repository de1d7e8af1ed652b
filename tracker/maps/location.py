"""Pure rules for a typed or clicked location: checking coordinates in a datum, describing the source."""

from tracker.maps.coords import DATUMS, out_of_china


class CoordinateError(ValueError):
    """Typed coordinates that cannot be a place (message in Chinese)."""


def parse_point(lat_text: str, lon_text: str, datum: str) -> tuple[float, float]:
    """Check typed latitude/longitude in `datum`; catch the usual swap of 经度/纬度."""
    if datum not in DATUMS:
        raise CoordinateError("请选择坐标系")
    values = []
    for text, label in ((lat_text, "纬度"), (lon_text, "经度")):
        cleaned = (text or "").strip().replace("，", ",").rstrip(",").replace("°", "")
        if not cleaned:
            raise CoordinateError(f"请填写{label}")
        try:
            values.append(float(cleaned))
        except ValueError as exc:
            raise CoordinateError(
                f"{label}「{text.strip()}」不是数字（请用小数度，如 30.0328）"
            ) from exc
    lat, lon = values
    if lat != lat or lon != lon or abs(lat) == float("inf") or abs(lon) == float("inf"):
        raise CoordinateError("坐标不是有效数字")
    if abs(lat) > 90 and abs(lon) <= 90:
        raise CoordinateError("纬度超出 ±90°：经度和纬度可能填反了（高德、百度常把经度写在前面）")
    if abs(lat) > 90:
        raise CoordinateError("纬度应在 -90 到 90 之间")
    if abs(lon) > 180:
        raise CoordinateError("经度应在 -180 到 180 之间")
    if out_of_china(lat, lon) and not out_of_china(lon, lat):
        raise CoordinateError(
            "这个点不在中国境内：经度和纬度可能填反了（高德、百度常把经度写在前面）"
        )
    if datum != "wgs84" and out_of_china(lat, lon):
        raise CoordinateError(f"{DATUMS[datum]} 坐标只在中国境内使用，这个点在境外")
    return lat, lon


def location_source(datum: str, origin: str, basemap_label: str, note: str) -> str:
    """How a location was set, in Chinese, kept in project.location_source."""
    how = f"在地图上点选（{basemap_label}底图）" if origin == "click" else "手工输入坐标"
    converted = "" if datum == "wgs84" else f"，由 {DATUMS[datum]} 转换为 WGS-84"
    text = f"{how}{converted}"
    note = (note or "").strip()
    return f"{text}；{note}" if note else text
