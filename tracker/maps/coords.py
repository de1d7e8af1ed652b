"""Datum conversions between WGS-84, GCJ-02 (高德/腾讯) and BD-09 (百度): the standard public
eviltransform formulas, pure functions on (lat, lon) in degrees.

GCJ-02 is WGS-84 with a deliberate nonlinear offset (Krasovsky ellipsoid constants); it applies only
inside China, so points outside the bounding box pass through unchanged. GCJ-02 → WGS-84 has no closed
form: it is solved by iteration to well under a centimetre."""

from math import atan2, cos, pi, sin, sqrt

DATUMS = {
    "wgs84": "WGS-84（GPS、天地图、OpenStreetMap）",
    "gcj02": "GCJ-02（高德、腾讯地图）",
    "bd09": "BD-09（百度地图）",
}

_A = 6378245.0  # Krasovsky 1940 semi-major axis
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = pi * 3000.0 / 180.0


def out_of_china(lat: float, lon: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
    ret += (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
    ret += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
    ret += (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0
    return ret


def _delta(lat: float, lon: float) -> tuple[float, float]:
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * pi
    magic = 1 - _EE * sin(rad_lat) ** 2
    sqrt_magic = sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * cos(rad_lat) * pi)
    return d_lat, d_lon


def wgs_to_gcj(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj_to_wgs(lat: float, lon: float) -> tuple[float, float]:
    """Inverse of wgs_to_gcj by fixed-point iteration (converges to < 1e-9° in a few steps)."""
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(30):
        g_lat, g_lon = wgs_to_gcj(w_lat, w_lon)
        e_lat, e_lon = g_lat - lat, g_lon - lon
        w_lat, w_lon = w_lat - e_lat, w_lon - e_lon
        if abs(e_lat) < 1e-10 and abs(e_lon) < 1e-10:
            break
    return w_lat, w_lon


def gcj_to_bd(lat: float, lon: float) -> tuple[float, float]:
    z = sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * _X_PI)
    theta = atan2(lat, lon) + 0.000003 * cos(lon * _X_PI)
    return z * sin(theta) + 0.006, z * cos(theta) + 0.0065


def bd_to_gcj(lat: float, lon: float) -> tuple[float, float]:
    """Inverse of gcj_to_bd: the usual closed-form approximation (~10 cm), then refined by iteration."""
    x, y = lon - 0.0065, lat - 0.006
    z = sqrt(x * x + y * y) - 0.00002 * sin(y * _X_PI)
    theta = atan2(y, x) - 0.000003 * cos(x * _X_PI)
    g_lat, g_lon = z * sin(theta), z * cos(theta)
    for _ in range(10):
        b_lat, b_lon = gcj_to_bd(g_lat, g_lon)
        e_lat, e_lon = b_lat - lat, b_lon - lon
        g_lat, g_lon = g_lat - e_lat, g_lon - e_lon
        if abs(e_lat) < 1e-10 and abs(e_lon) < 1e-10:
            break
    return g_lat, g_lon


def to_wgs84(lat: float, lon: float, datum: str) -> tuple[float, float]:
    """A point given in `datum` ("wgs84" / "gcj02" / "bd09") as WGS-84."""
    if datum == "wgs84":
        return lat, lon
    if datum == "gcj02":
        return gcj_to_wgs(lat, lon)
    if datum == "bd09":
        return gcj_to_wgs(*bd_to_gcj(lat, lon))
    raise ValueError(f"unknown datum {datum!r}")


def from_wgs84(lat: float, lon: float, datum: str) -> tuple[float, float]:
    """A WGS-84 point expressed in `datum` (for drawing on a map that uses it)."""
    if datum == "wgs84":
        return lat, lon
    if datum == "gcj02":
        return wgs_to_gcj(lat, lon)
    if datum == "bd09":
        return gcj_to_bd(*wgs_to_gcj(lat, lon))
    raise ValueError(f"unknown datum {datum!r}")


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = (v * pi / 180 for v in (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * atan2(sqrt(h), sqrt(1 - h))
