"""Parse the free-text 建设内容 of a capital table row into structured capacity fields."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"(?:平方米|平米|平方|㎡|m2)"
_EXPANSION = re.compile(r"扩(?:建)?(\d+)班[，,]?\s*(?:到|至|达到)(\d+)班")
_CLASSES = re.compile(r"(?<![段扩\d])(\d+)个?班")
_SECTIONS = re.compile(r"其中(.*?班(?:[，,、][\u4e00-\u9fff]{1,4}\d+班)*)")
_SECTION = re.compile(r"([\u4e00-\u9fff]{1,4}?)(\d+)班")
_LAND = re.compile(r"(新增)?用地(?:面积)?(约)?" + _NUM + r"\s*" + _UNIT)
_FLOOR = re.compile(r"(?:建筑面积|扩建校舍|校舍)(约)?" + _NUM + r"\s*" + _UNIT)
_SITE_HINT = re.compile(r"(以[东南西北]|交叉口|选址|地块|[东西南北]面|东北角|路[东南西北]$)")


@dataclass
class ParsedContent:
    """What 建设内容 says about capacity and site; absent facts stay None."""

    classes_total: int | None = None
    classes_added: int | None = None
    sections: dict[str, int] = field(default_factory=dict)
    land_area_m2: Decimal | None = None
    land_is_additional: bool = False
    floor_area_m2: Decimal | None = None
    area_is_approximate: bool = False
    site_text: str = ""


def parse_content(text: str) -> ParsedContent:
    """Extract classes, sections, land/floor area and the site description from 建设内容."""
    text = (text or "").strip()
    result = ParsedContent()
    expansion = _EXPANSION.search(text)
    if expansion:
        result.classes_added = int(expansion.group(1))
        result.classes_total = int(expansion.group(2))
    else:
        first = _CLASSES.search(text)
        if first:
            result.classes_total = int(first.group(1))
            result.classes_added = result.classes_total
    sections = _SECTIONS.search(text)
    if sections:
        result.sections = {name: int(n) for name, n in _SECTION.findall(sections.group(1))}
    land = _LAND.search(text)
    if land:
        result.land_is_additional = bool(land.group(1))
        result.area_is_approximate |= bool(land.group(2))
        result.land_area_m2 = Decimal(land.group(3))
    floor = _FLOOR.search(text)
    if floor:
        result.area_is_approximate |= bool(floor.group(1))
        result.floor_area_m2 = Decimal(floor.group(2))
    result.site_text = _site_text(text)
    return result


def _site_text(text: str) -> str:
    """The clauses of 建设内容 that describe where the site is (四至, 拟选址…)."""
    parts = []
    for clause in re.split(r"[，,。；;]", text):
        clause = clause.strip()
        if not clause or not _SITE_HINT.search(clause):
            continue
        # 「建筑面积43000平方观塘西路以西」 runs the area into the site: keep the site part only.
        clause = re.sub(r"^.*?" + _UNIT, "", clause) if re.search(_NUM + _UNIT, clause) else clause
        parts.append(clause)
    return "，".join(parts)
