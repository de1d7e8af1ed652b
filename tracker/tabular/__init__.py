"""Tables in and out, for every upload and export: read_table (CSV/XLSX, checked before parsed),
formula-safe cells both ways, the one XLSX/CSV writer, and the read → plan → apply shape.

A floor module: it imports only tracker.config (and the standard library, openpyxl, XlsxWriter)."""

from tracker.tabular.cells import (
    holdable,
    looks_like_formula,
    normalise_header,
    safe_cell,
    unescape_cell,
)
from tracker.tabular.limits import Limits
from tracker.tabular.plan import Outcome, Plan, Problem, formula_findings, run_upload
from tracker.tabular.read import FormulaCell, Table, TableError, read_table
from tracker.tabular.write import CSV_MIME, XLSX_MIME, Column, Sheet, csv_bytes, workbook

__all__ = [
    "CSV_MIME",
    "XLSX_MIME",
    "Column",
    "FormulaCell",
    "Limits",
    "Outcome",
    "Plan",
    "Problem",
    "Sheet",
    "Table",
    "TableError",
    "csv_bytes",
    "formula_findings",
    "holdable",
    "looks_like_formula",
    "normalise_header",
    "read_table",
    "run_upload",
    "safe_cell",
    "unescape_cell",
    "workbook",
]
