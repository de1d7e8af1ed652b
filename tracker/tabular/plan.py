"""The one shape of every table upload: read_table → a pure plan → apply in one unit of work.

The plan checks every row and lists every problem by row and column without writing anything
(a dry run shows it as it is); apply runs only for a plan without problems."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tracker.tabular.cells import column_letter
from tracker.tabular.limits import Limits
from tracker.tabular.read import Table, TableError, read_table

PASTE_VALUES = "请在 Excel 或 WPS 中复制后「选择性粘贴 → 数值」（请粘贴为数值）再上传"


@dataclass(frozen=True)
class Problem:
    """Something about one cell or row (line 0: the whole file), in Chinese."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = f"第 {self.line} 行" + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass
class Plan:
    """What an upload would do: checked rows (what apply needs), their sheet lines, every problem
    and notes for the summary (cells read from saved formula results, warnings)."""

    rows: list = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Outcome:
    """A finished upload: its plan, and what apply returned (None for a dry run or a refusal)."""

    plan: Plan
    result: Any = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.plan.ok

    @property
    def errors(self) -> list[Problem]:
        return self.plan.errors

    @property
    def notes(self) -> list[Problem]:
        return self.plan.notes


def run_upload(
    data: bytes,
    filename: str,
    *,
    plan: Callable[[Table], Plan],
    apply: Callable[[Plan], Any],
    dry_run: bool,
    limits: Limits | None = None,
) -> Outcome:
    """read → plan → apply. `apply` writes in the caller's session (it flushes; the caller commits
    once), and runs only when the plan has no problems and this is not a dry run."""
    try:
        table = read_table(data, filename, limits)
    except TableError as exc:
        return Outcome(Plan(errors=[Problem(0, "", str(exc))]), dry_run=dry_run)
    checked = plan(table)
    result = apply(checked) if checked.ok and not dry_run else None
    return Outcome(checked, result, dry_run)


def formula_findings(
    table: Table, columns: Mapping[int, str], after_line: int = 0
) -> tuple[list[Problem], list[Problem]]:
    """(notes, problems) for the formula cells in the columns a plan reads (index → label), below
    `after_line`: a saved result is used and noted; no saved result is a problem naming the cell.
    Cells whose control characters the reader dropped are noted too."""
    notes, problems = [], []
    for line, column in table.cleaned:
        if column in columns and line > after_line:
            ref = f"{column_letter(column)}{line}"
            notes.append(
                Problem(line, columns[column], f"单元格 {ref} 含有表格无法保存的控制字符，已删除")
            )
    for cell in table.formulas:
        if cell.column not in columns or cell.line <= after_line:
            continue
        label = columns[cell.column]
        if cell.cached:
            notes.append(
                Problem(
                    cell.line,
                    label,
                    f"单元格 {cell.ref} 是公式，已按文件中保存的计算结果「{cell.cached}」读取",
                )
            )
        else:
            problems.append(
                Problem(
                    cell.line,
                    label,
                    f"单元格 {cell.ref} 是公式，文件中没有保存可用的计算结果：{PASTE_VALUES}",
                )
            )
    return notes, problems
