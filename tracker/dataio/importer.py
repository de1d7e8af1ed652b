"""Import a project table: validate every row first, then apply all of it or nothing."""

import re
from dataclasses import dataclass

from tracker.dataio.columns import LABELS, REQUIRED, HeaderMap, looks_like_header, match_headers
from tracker.dataio.rows import RowProblem, row_values
from tracker.money import yi
from tracker.tabular import Plan, Problem, Table, formula_findings

_SUBTOTAL = re.compile(r"^\s*(（[一二三四五六七八九十]+）.*?(\d+)\s*个|合计|小计|总计)")


RowError = Problem  # one row/column problem, as every table upload reports it


@dataclass
class ImportPlan(Plan):
    """What an import would do (rows: one dict of project values each); nothing is written."""

    subtotals_checked: int = 0


def plan_import(sheet: Table, *, window: tuple[int, int]) -> ImportPlan:
    """Check every row of a project table. Rows above the header (a title, 「数据截至」, the unit)
    are skipped; subtotal rows (「（一）…35个」, 合计, 小计) are checked against the rows they cover."""
    plan = ImportPlan()
    header_at = next((i for i, cells in enumerate(sheet.rows) if looks_like_header(cells)), None)
    if header_at is None:
        plan.errors.append(
            RowError(1, "", "找不到表头：表中需要「项目名称」「项目期限」「总投资（亿元）」等列")
        )
        return plan
    headers = match_headers(sheet.rows[header_at])
    header_line = sheet.numbers[header_at]
    missing = [LABELS[key] for key in REQUIRED if key not in headers.index]
    if missing:
        plan.errors.append(RowError(header_line, "", f"缺少必需的列：{'、'.join(missing)}"))
        return plan
    if headers.window_years and headers.window_years != window:
        plan.errors.append(
            RowError(
                header_line,
                "",
                f"表头的 {headers.window_years[0]}-{headers.window_years[1]}"
                f" 年投资额与系统规划期 {window[0]}-{window[1]} 不一致",
            )
        )
        return plan
    notes, formula_errors = formula_findings(
        sheet, {pos: LABELS[key] for key, pos in headers.index.items()}, after_line=header_line
    )
    plan.notes.extend(notes)
    plan.errors.extend(formula_errors)
    # A formula cell without a saved result is reported as that, not again as an empty cell.
    explained = {(e.line, e.column) for e in formula_errors}
    subtotals = []
    for cells, line in zip(
        sheet.rows[header_at + 1 :], sheet.numbers[header_at + 1 :], strict=True
    ):
        if not any(c.strip() for c in cells):
            continue
        if _is_subtotal(cells, headers):
            subtotals.append((line, cells, len(plan.rows)))
            continue
        try:
            plan.rows.append(row_values(cells, headers))
            plan.lines.append(line)
        except RowProblem as problem:
            found = [RowError(line, LABELS.get(k, k), m) for k, m in problem.items]
            plan.errors.extend(e for e in found if (e.line, e.column) not in explained)
    _check_duplicates(plan)
    if not plan.errors:  # with rows left out, a subtotal could not agree anyway
        for line, cells, rows in _subtotal_groups(subtotals, plan.rows, headers):
            _check_subtotal(plan, line, cells, headers, rows)
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(header_line, "", "表头下面没有项目行"))
    plan.errors.sort(key=lambda e: e.line)
    return plan


def _cell(cells: list[str], headers: HeaderMap, key: str) -> str:
    position = headers.index.get(key)
    return cells[position].strip() if position is not None and position < len(cells) else ""


def _subtotal_label(cells, headers) -> str:
    """The label of a subtotal row, or "" for a project row.

    The published tables merge the label over 序号…建设地点, so it may sit in the 序号 column
    (where a project row has its number) as well as in 项目名称."""
    if _cell(cells, headers, "period_text"):
        return ""
    for key in ("seq_no", "name"):
        text = _cell(cells, headers, key)
        if text and _SUBTOTAL.match(text):
            return text
    return ""


def _is_subtotal(cells, headers) -> bool:
    return bool(_subtotal_label(cells, headers))


def _check_duplicates(plan: ImportPlan) -> None:
    seen_codes, seen_names = {}, {}
    for values, line in zip(plan.rows, plan.lines, strict=True):
        code = values.get("code")
        if code:
            if code in seen_codes:
                plan.errors.append(
                    RowError(line, "项目编号", f"项目编号 {code} 与第 {seen_codes[code]} 行重复")
                )
            seen_codes.setdefault(code, line)
        elif values["name"] in seen_names:
            plan.errors.append(
                RowError(
                    line,
                    "项目名称",
                    f"没有项目编号，且名称与第 {seen_names[values['name']]} 行重复",
                )
            )
        seen_names.setdefault(values["name"], line)


def _subtotal_groups(subtotals, rows: list[dict], headers: HeaderMap):
    """Which rows each subtotal row covers.

    「（一）…35个」 heads a section: the rows below it up to the next such heading (or, when nothing
    follows it, the rows above it since the previous one); 合计/总计 cover every row; 小计 covers
    the rows since the previous subtotal row."""
    sections = [start for _, cells, start in subtotals if _is_section(cells, headers)]
    previous = 0
    for line, cells, start in subtotals:
        label = _subtotal_label(cells, headers)
        if _is_section(cells, headers):
            end = next((s for s in sections if s > start), len(rows))
            covered = rows[start:end] if end > start else rows[previous:start]
        elif label.startswith(("合计", "总计")):
            covered = rows
        else:
            covered = rows[previous:start]
        previous = start
        yield line, cells, covered


def _is_section(cells, headers) -> bool:
    return _subtotal_label(cells, headers).startswith("（")


def _check_subtotal(
    plan: ImportPlan, line: int, cells: list[str], headers: HeaderMap, rows: list[dict]
) -> None:
    """A subtotal row like 「（一）教育事业项目35个 77.8 48.39」 must agree with the rows it covers."""
    from tracker.money import MoneyError, parse_amount

    plan.subtotals_checked += 1
    label = _subtotal_label(cells, headers)
    count = re.search(r"(\d+)\s*个", label)
    if count and int(count.group(1)) != len(rows):
        plan.errors.append(
            RowError(line, "项目名称", f"小计行写 {count.group(1)} 个项目，表中实有 {len(rows)} 个")
        )
    for key in ("total", "window"):
        text = _cell(cells, headers, key)
        if not text:
            continue
        try:
            stated = parse_amount(text, headers.units.get(key, "亿元"))
        except MoneyError as exc:
            plan.errors.append(RowError(line, LABELS[key], f"小计金额有误：{exc}"))
            continue
        actual = sum(r.get(f"{key}_investment_fen") or 0 for r in rows)
        if stated != actual:
            plan.errors.append(
                RowError(
                    line, LABELS[key], f"小计 {yi(stated)} 亿元与各行合计 {yi(actual)} 亿元不符"
                )
            )
