"""The columns of a project table, found by their Chinese headers."""

import re
from dataclasses import dataclass

from tracker.tabular import normalise_header


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str  # the header written on export
    aliases: tuple[str, ...] = ()


# The seed table's own columns first, in its order, then the tracker's structured columns.
SOURCE_COLUMNS = [
    ColumnSpec("seq_no", "序号"),
    ColumnSpec("name", "项目名称"),
    ColumnSpec("period_text", "项目期限"),
    ColumnSpec("subdistrict", "建设地点"),
    ColumnSpec("content_text", "建设内容"),
    ColumnSpec("total", "总投资（亿元）"),
    ColumnSpec("window", "2021-2025年投资额（亿元）"),
    ColumnSpec("builder", "建设单位"),
    ColumnSpec("government_text", "是否为政府投资项目或国有平台公司投资项目", ("是否政府投资",)),
    ColumnSpec("remarks", "备注"),
]
STRUCTURED_COLUMNS = [
    ColumnSpec("code", "项目编号", ("项目代码", "编号")),
    ColumnSpec("stage", "学段", ("学校类型",)),
    ColumnSpec("nature", "建设性质"),
    ColumnSpec("ownership", "办学性质"),
    ColumnSpec("province", "省"),
    ColumnSpec("city", "市"),
    ColumnSpec("district", "区县", ("县区",)),
    ColumnSpec("site_text", "四至", ("选址",)),
    ColumnSpec("classes_total", "总班数", ("班数",)),
    ColumnSpec("classes_added", "新增班数"),
    ColumnSpec("sections_text", "分段班数"),
    ColumnSpec("land_area_m2", "用地面积（平方米）"),
    ColumnSpec("land_is_additional", "新增用地"),
    ColumnSpec("floor_area_m2", "建筑面积（平方米）"),
    ColumnSpec("area_is_approximate", "面积为约数"),
    ColumnSpec("declared_seats", "申报学位"),
    ColumnSpec("lat", "纬度（WGS-84）", ("纬度",)),
    ColumnSpec("lon", "经度（WGS-84）", ("经度",)),
    ColumnSpec("location_precision", "定位精度"),
    ColumnSpec("location_source", "定位来源"),
    ColumnSpec("status", "状态", ("项目状态",)),
    ColumnSpec("source_doc", "来源文件"),
    ColumnSpec("source_line", "来源行"),
    ColumnSpec("curation_note", "整理说明"),
]
ALL_COLUMNS = SOURCE_COLUMNS + STRUCTURED_COLUMNS
REQUIRED = ("name", "period_text", "total")
_MONEY_HEADER = re.compile(r"^(总投资|(\d{4})-(\d{4})年投资额)（(亿元|万元)）$")


@dataclass(frozen=True)
class HeaderMap:
    """Which column index holds which key, and the unit of each money column."""

    index: dict[str, int]
    units: dict[str, str]
    window_years: tuple[int, int] | None


def match_headers(cells: list[str]) -> HeaderMap:
    index, units, window_years = {}, {}, None
    lookup = {}
    for spec in ALL_COLUMNS:
        for name in (spec.header, *spec.aliases):
            lookup[normalise_header(name)] = spec.key
    for position, cell in enumerate(cells):
        header = normalise_header(cell)
        money = _MONEY_HEADER.match(header)
        if money:
            key = "total" if money.group(1) == "总投资" else "window"
            index.setdefault(key, position)
            units[key] = money.group(4)
            if key == "window":
                window_years = (int(money.group(2)), int(money.group(3)))
        elif header in lookup:
            index.setdefault(lookup[header], position)
    return HeaderMap(index, units, window_years)


def looks_like_header(cells: list[str]) -> bool:
    found = match_headers(cells).index
    return "name" in found and len(found) >= 3


LABELS = {spec.key: spec.header for spec in ALL_COLUMNS}
