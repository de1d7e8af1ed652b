"""Run benchmark modules, each in its own process (so peak memory is its own and a failing
module does not stop the others); write bench-results/<name>.json and print one table.

    .venv/bin/python -m scripts.benchmarks [name ...]      (scripts/bench does this)
"""

import argparse
import importlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from scripts.benchmarks import discover

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"


def run_one(name: str, out: Path) -> None:
    """Child process: import scripts.benchmarks.<name>, call run(results), write JSON."""
    import logging

    logging.disable(logging.WARNING)
    module = importlib.import_module(f"scripts.benchmarks.{name}")
    results: list[dict] = []
    try:
        module.run(results)
    finally:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1))


def _met(row: dict) -> str:
    match = re.match(r"^\s*([<>]=?)\s*([\d.]+)", str(row.get("target", "")))
    if not match or not isinstance(row.get("value"), int | float):
        return ""
    limit, value = float(match.group(2)), row["value"]
    ok = {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}
    return "ok" if ok[match.group(1)] else "MISSED"


def _print(rows: list[dict]) -> None:
    width = max([len(r["benchmark"]) for r in rows] + [20])
    print(f"\n{'benchmark':<{width}}  {'value':>12}  {'unit':<4}  {'target':<10}")
    print("-" * (width + 36))
    for r in rows:
        print(
            f"{r['benchmark']:<{width}}  {r['value']:>12}  {r['unit']:<4}  "
            f"{str(r.get('target', '-')):<10}  {_met(r)}"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"modules to run (default: all of {discover()})")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_one(args.one, Path(args.out))
        return 0
    names = args.names or discover()
    unknown = sorted(set(names) - set(discover()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {discover()}")
    RESULTS.mkdir(exist_ok=True)
    everything, failed = [], []
    for name in names:
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "results.json"
            child = subprocess.run(
                [sys.executable, "-m", "scripts.benchmarks", "--one", name, "--out", str(out)],
                cwd=ROOT,
                env=os.environ | {"PYTHONPATH": str(ROOT)},
            )
            rows = json.loads(out.read_text()) if out.exists() else []
        if child.returncode != 0:
            failed.append(name)
        record = {
            "module": name,
            "ok": child.returncode == 0,
            "seconds": round(time.perf_counter() - began, 1),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "results": rows,
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1))
        everything += rows
    if everything:
        _print(everything)
    print(f"\nresults in {RESULTS.relative_to(ROOT)}/<name>.json")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
