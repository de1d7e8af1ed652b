"""Benchmarks (not timed tests): one module per domain, each with `run(results: list)`.

Run them with scripts/bench [name ...]; every module in this folder except the framework's own
(common, __init__, __main__) is a benchmark, and each one is optional."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
FRAMEWORK = {"__init__", "__main__", "common", "stack"}  # stack: the load/fault test harness


def discover() -> list[str]:
    """Names of the benchmark modules present, registry first."""
    names = sorted(p.stem for p in FOLDER.glob("*.py") if p.stem not in FRAMEWORK)
    return sorted(names, key=lambda name: (name != "registry", name))
