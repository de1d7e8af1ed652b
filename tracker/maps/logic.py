"""Pure rules of the map: what each marker carries, 街道 summaries, basemap choice, coordinate input
and the JSON that is embedded in pages (escaped so that user text can never end the script)."""

import json
from dataclasses import dataclass, field
from datetime import date
from math import sqrt
from urllib.parse import quote

from tracker.maps.coords import from_wgs84
from tracker.money import fen_to

# Drawn precisions, in the order of the legend. "none" projects are not drawn.
PRECISION_ORDER = ["site", "road", "subdistrict"]
PRECISION_LABELS = {
    "site": "准确位置",
    "road": "道路围合估计（大致位置）",
    "subdistrict": "街道中心（非实际选址）",
}
HEALTH_ORDER = ["正常", "有风险", "逾期", "已完成", "未开始"]
HEALTH_CSS = {"正常": "ok", "有风险": "risk", "逾期": "late", "已完成": "done", "未开始": "idle"}


@dataclass(slots=True)
class MapProject:
    """One project as the map needs it (coordinates in WGS-84)."""

    id: int
    code: str
    name: str
    stage: str
    classes_total: int | None
    seats_total: int | None
    seats_added: int | None
    total_fen: int | None
    window_fen: int | None
    period_text: str
    lat: float | None
    lon: float | None
    precision: str
    district: str
    subdistrict: str
    health: str = "未开始"
    next_milestone: str | None = None
    next_due: date | None = None

    @property
    def is_drawn(self) -> bool:
        return self.lat is not None and self.lon is not None and self.precision in PRECISION_LABELS


@dataclass
class SubdistrictSummary:
    """Totals of one 街道 (within one district), placed where the map can draw it."""

    district: str
    name: str
    count: int = 0
    total_fen: int = 0
    window_fen: int = 0
    seats_added: int = 0
    classes: int = 0
    health: dict[str, int] = field(default_factory=dict)
    lat: float | None = None
    lon: float | None = None
    centre_known: bool = False  # placed on a recorded 街道 centre (not an average of sites)


def yi_text(fen: int | None) -> str:
    """亿元 with 2 decimals, rounded half-up (same as money.yi, in integer arithmetic for speed)."""
    if fen is None:
        return ""
    hundredths = (fen + 50_000_000) // 100_000_000  # 1 亿元 = 10^10 fen
    return f"{hundredths // 100:,}.{hundredths % 100:02d}"


def subdistrict_summaries(projects: list[MapProject]) -> list[SubdistrictSummary]:
    """Group by (district, 街道); place each at a recorded 街道 centre, else at the mean of its points."""
    groups: dict[tuple[str, str], SubdistrictSummary] = {}
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for p in projects:
        if not p.subdistrict:
            continue
        key = (p.district, p.subdistrict)
        s = groups.setdefault(key, SubdistrictSummary(p.district, p.subdistrict))
        s.count += 1
        s.total_fen += p.total_fen or 0
        s.window_fen += p.window_fen or 0
        s.seats_added += p.seats_added or 0
        s.classes += p.classes_total or 0
        s.health[p.health] = s.health.get(p.health, 0) + 1
        if p.is_drawn:
            if p.precision == "subdistrict" and not s.centre_known:
                s.lat, s.lon, s.centre_known = p.lat, p.lon, True
            points.setdefault(key, []).append((p.lat, p.lon))
    for key, s in groups.items():
        if not s.centre_known and points.get(key):
            pts = points[key]
            s.lat = sum(a for a, _ in pts) / len(pts)
            s.lon = sum(b for _, b in pts) / len(pts)
    return sorted(groups.values(), key=lambda s: (-s.total_fen, s.district, s.name))


def circle_radius(value: int, largest: int, *, smallest_px: int = 8, largest_px: int = 38) -> int:
    """Circle radius in pixels with the AREA proportional to `value` (so big totals don't shout)."""
    if largest <= 0 or value <= 0:
        return smallest_px
    return round(smallest_px + (largest_px - smallest_px) * sqrt(value / largest))


class _Strings:
    """Interns repeated strings (学段, 期限, 节点, 街道) so 10,000 rows stay small."""

    def __init__(self):
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: str | None) -> int:
        value = value or ""
        if value not in self._index:
            self._index[value] = len(self.values)
            self.values.append(value)
        return self._index[value]


def _point(lat: float, lon: float, datum: str) -> list[float]:
    lat, lon = from_wgs84(lat, lon, datum)
    return [round(lat, 6), round(lon, 6)]


# Field order of one encoded project row; static/js/tracker-map.js reads the same order.
PROJECT_FIELDS = [
    "code",
    "name",
    "stage",  # index into strings
    "classes_total",
    "seats_total",
    "seats_added",
    "total_yi",
    "period",  # index into strings
    "next_milestone",  # index into strings
    "next_due",
    "health",  # index into HEALTH_ORDER
    "precision",  # index into PRECISION_ORDER
    "lat",
    "lon",
]


def encode_map_data(
    projects: list[MapProject], *, datum: str, size_by: str = "investment", focus: str = ""
) -> dict:
    """The JSON the map script draws: compact rows plus lookup tables, points in `datum`."""
    strings = _Strings()
    rows = []
    for p in projects:
        if not p.is_drawn:
            continue
        rows.append(
            [
                p.code,
                p.name,
                strings(p.stage),
                p.classes_total,
                p.seats_total,
                p.seats_added,
                yi_text(p.total_fen),
                strings(p.period_text),
                strings(p.next_milestone),
                p.next_due.isoformat() if p.next_due else "",
                HEALTH_ORDER.index(p.health) if p.health in HEALTH_ORDER else 4,
                PRECISION_ORDER.index(p.precision),
                *_point(p.lat, p.lon, datum),
            ]
        )
    summaries = [s for s in subdistrict_summaries(projects) if s.lat is not None]
    measure = (lambda s: s.seats_added) if size_by == "seats" else (lambda s: s.total_fen)
    largest = max((measure(s) for s in summaries), default=0)
    areas = [
        {
            "name": s.name,
            "district": s.district,
            "count": s.count,
            "total_yi": yi_text(s.total_fen),
            "window_yi": yi_text(s.window_fen),
            "seats": s.seats_added,
            "classes": s.classes,
            "health": [s.health.get(h, 0) for h in HEALTH_ORDER],
            "centre": s.centre_known,
            "r": circle_radius(measure(s), largest),
            "at": _point(s.lat, s.lon, datum),
        }
        for s in summaries
    ]
    return {
        "fields": PROJECT_FIELDS,
        "strings": strings.values,
        "health": HEALTH_ORDER,
        "precision": PRECISION_ORDER,
        "projects": rows,
        "areas": areas,
        "size_by": "seats" if size_by == "seats" else "investment",
        "focus": focus,
    }


_SCRIPT_UNSAFE = [
    ("&", "\\u0026"),
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
]


def script_json(data) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>', '&' or line separators
    survive literally, so a name containing </script> or <!-- cannot end or alter the element.
    The page reads it with JSON.parse (never eval), so backticks and ${…} are inert."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for unsafe, escaped in _SCRIPT_UNSAFE:  # str.replace is far faster than translate on 1 MB
        text = text.replace(unsafe, escaped)
    return text


def geojson(projects: list[MapProject], *, project_url: str, description: str) -> dict:
    """A GeoJSON FeatureCollection (RFC 7946, WGS-84 [lon, lat]) of the located projects."""
    features = []
    for p in projects:
        if not p.is_drawn:
            continue
        total = fen_to(p.total_fen, "亿元", 6)
        window = fen_to(p.window_fen, "亿元", 6)
        features.append(
            {
                "type": "Feature",
                "id": p.code,
                "geometry": {"type": "Point", "coordinates": [round(p.lon, 6), round(p.lat, 6)]},
                "properties": {
                    "code": p.code,
                    "name": p.name,
                    "stage": p.stage,
                    "district": p.district,
                    "subdistrict": p.subdistrict,
                    "classes_total": p.classes_total,
                    "seats_total": p.seats_total,
                    "seats_added": p.seats_added,
                    "total_investment_yi": None if total is None else str(total),
                    "window_investment_yi": None if window is None else str(window),
                    "period": p.period_text,
                    "health": p.health,
                    "next_milestone": p.next_milestone,
                    "next_due": p.next_due.isoformat() if p.next_due else None,
                    "location_precision": p.precision,
                    "location_precision_label": PRECISION_LABELS[p.precision],
                    "url": project_url.replace("__CODE__", quote(p.code, safe="")),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "filter": description,
        "unlocated": sum(1 for p in projects if not p.is_drawn),
    }
