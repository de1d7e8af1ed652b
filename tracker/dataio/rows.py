"""One table row → the values of a project, or every problem found in it."""

from decimal import Decimal, InvalidOperation

from tracker.dataio.columns import HeaderMap
from tracker.money import MoneyError, parse_amount
from tracker.projects.logic import (
    PeriodError,
    infer_nature,
    infer_ownership,
    infer_stage,
    parse_period,
)
from tracker.projects.models import NATURES, OWNERSHIPS, PRECISIONS, STAGES, STATUSES
from tracker.projects.parsing import parse_content

YES = {"是", "Y", "y", "yes", "true", "1"}
NO = {"否", "N", "n", "no", "false", "0"}
PRECISION_BY_LABEL = {label: key for key, label in PRECISIONS.items()} | {k: k for k in PRECISIONS}


class RowProblem(ValueError):
    def __init__(self, items: list[tuple[str, str]]):
        super().__init__("; ".join(m for _, m in items))
        self.items = items


def row_values(cells: list[str], headers: HeaderMap) -> dict:
    """Validate one row; raise RowProblem listing every bad cell (key, Chinese message)."""
    raw = {key: (cells[pos] if pos < len(cells) else "") for key, pos in headers.index.items()}
    text = {key: value.strip() for key, value in raw.items()}
    problems: list[tuple[str, str]] = []
    values: dict = {}

    def take(key, parse):
        if text.get(key, "") == "":
            return None
        try:
            return parse(text[key])
        except (ValueError, InvalidOperation, MoneyError) as exc:
            problems.append(
                (
                    key,
                    str(exc)
                    if isinstance(exc, MoneyError | PeriodError | ChoiceError)
                    else f"「{text[key]}」格式不对",
                )
            )
            return None

    name = text.get("name", "")
    if not name:
        problems.append(("name", "项目名称不能为空"))
    elif len(name) > 200:
        problems.append(("name", "项目名称超过 200 个字"))
    values["name"] = name
    values["seq_no"] = text.get("seq_no", "")
    values["period_text"] = raw.get("period_text", "")
    period = take("period_text", parse_period)
    if not text.get("period_text"):
        problems.append(("period_text", "项目期限不能为空"))
    values["start_year"], values["end_year"] = period or (None, None)
    for key in ("total", "window"):
        unit = headers.units.get(key, "亿元")
        values[f"{key}_investment_fen"] = take(key, lambda t, u=unit: parse_amount(t, u))
        values[f"{key}_investment_text"] = raw.get(key, "") if unit == "亿元" else ""
    if not text.get("total"):
        problems.append(("total", "总投资不能为空"))
    gov = text.get("government_text", "")
    values["government_text"] = raw.get("government_text", "")
    if gov in YES or gov == "":
        values["is_government"] = True
    elif gov in NO:
        values["is_government"] = False
    else:
        problems.append(("government_text", f"「{gov}」应填“是”或“否”"))
    for key in (
        "subdistrict",
        "builder",
        "remarks",
        "content_text",
        "province",
        "city",
        "district",
        "location_source",
        "source_doc",
        "curation_note",
        "sections_text",
    ):
        values[key] = raw.get(key, "") if key in ("content_text", "remarks") else text.get(key, "")
    if text.get("code"):
        values["code"] = text["code"]
    _structured(text, values, problems, take)
    if problems:
        raise RowProblem(problems)
    return values


class ChoiceError(ValueError):
    pass


def _choice(options, label):
    def parse(value):
        if value not in options:
            raise ChoiceError(f"未知的{label}「{value}」，可选：{'、'.join(options)}")
        return value

    return parse


def _yes_no(value):
    if value in YES:
        return True
    if value in NO:
        return False
    raise ChoiceError(f"「{value}」应填“是”或“否”")


def _non_negative_int(value):
    number = int(Decimal(value))
    if number < 0 or Decimal(value) != number:
        raise ValueError(value)
    return number


def _area(value):
    number = Decimal(value.replace(",", ""))
    if number < 0 or not number.is_finite():
        raise ValueError(value)
    return number


def _coordinate(low, high, label):
    def parse(value):
        number = float(value)
        if not low <= number <= high:
            raise ChoiceError(f"{label}「{value}」不在 {low}–{high} 之间")
        return number

    return parse


def _structured(text, values, problems, take):
    """Structured columns when the table has them; otherwise derived from 建设内容 and the name."""
    parsed = parse_content(values["content_text"])
    values["stage"] = (
        take("stage", _choice(STAGES, "学段")) or infer_stage(values["name"]) or "其他"
    )
    values["nature"] = take("nature", _choice(NATURES, "建设性质")) or infer_nature(values["name"])
    values["ownership"] = take("ownership", _choice(OWNERSHIPS, "办学性质")) or infer_ownership(
        values["name"]
    )
    values["status"] = take("status", _choice(STATUSES, "状态")) or "列入规划"
    has_structured = "classes_total" in text
    if has_structured:
        values["classes_total"] = take("classes_total", _non_negative_int)
        values["classes_added"] = take("classes_added", _non_negative_int)
        values["land_area_m2"] = take("land_area_m2", _area)
        values["floor_area_m2"] = take("floor_area_m2", _area)
        values["land_is_additional"] = bool(take("land_is_additional", _yes_no))
        values["area_is_approximate"] = bool(take("area_is_approximate", _yes_no))
        values["site_text"] = text.get("site_text", "")
    else:
        values["classes_total"] = parsed.classes_total
        values["classes_added"] = parsed.classes_added
        values["sections_text"] = ";".join(f"{k}:{v}" for k, v in parsed.sections.items())
        values["land_area_m2"] = parsed.land_area_m2
        values["floor_area_m2"] = parsed.floor_area_m2
        values["land_is_additional"] = parsed.land_is_additional
        values["area_is_approximate"] = parsed.area_is_approximate
        values["site_text"] = parsed.site_text
    values["declared_seats"] = take("declared_seats", _non_negative_int)
    values["lat"] = take("lat", _coordinate(-90, 90, "纬度"))
    values["lon"] = take("lon", _coordinate(-180, 180, "经度"))
    precision = text.get("location_precision", "")
    if precision and precision not in PRECISION_BY_LABEL:
        problems.append(("location_precision", f"未知的定位精度「{precision}」"))
    if values["lat"] is None or values["lon"] is None:
        values["location_precision"] = "none"
    else:
        values["location_precision"] = PRECISION_BY_LABEL.get(precision, "subdistrict")
    values["source_line"] = take("source_line", _non_negative_int)
