#!/usr/bin/env python3
"""Check the repository's data against the original documents it was made from.

    scripts/check-sources DIR [--places FILE]

DIR holds the seed documents (000_….txt … 004_….txt); the places list is DIR/../reference/
yuecheng_places.csv unless --places names it. The documents are not part of the repository, so
this is not part of the test suite: when DIR or the documents are absent it says so in one line
and exits 0. Checks:

  seed table      scripts/extract_seed_table.py makes data/projects.csv byte for byte from seed 001
  copies          tests/registry_data/ holds verbatim copies of the documents the tests read
  targets         every plan target in data/targets.csv is worded as the lines it cites
  jurisdictions   every place in data/jurisdictions.csv is named where its source says

Exit status: 0 when every check that could run passed, 1 when one failed.
"""

import argparse
import csv
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_CSV = ROOT / "data" / "projects.csv"
TARGETS_CSV = ROOT / "data" / "targets.csv"
JURISDICTIONS_CSV = ROOT / "data" / "jurisdictions.csv"
COPIES = ROOT / "tests" / "registry_data"
EXTRACT = ROOT / "scripts" / "extract_seed_table.py"
SEED_001 = "001_356db9a72693fc68.txt"
PLACES_NAME = "yuecheng_places.csv"
PLACES_SOURCE = f"../shared/reference/{PLACES_NAME}"
CITED_LINE = re.compile(r"(\d{3}) 第(\d+)行")


class Sources:
    def __init__(self, seeds: Path, places: Path):
        self.seeds, self.places = seeds, places

    def seed(self, name: str) -> Path | None:
        """A seed document by file name, or by its number ('004') as the data cites it."""
        path = self.seeds / name
        if path.is_file():
            return path
        found = sorted(self.seeds.glob(f"{name}_*.txt")) if len(name) == 3 else []
        return found[0] if found else None

    def lines(self, name: str) -> list[str] | None:
        path = self.seed(name)
        return path.read_text(encoding="utf-8").split("\n") if path else None


# Each check returns (how many things it compared, problems, documents it could not find).
Outcome = tuple[int, list[str], list[str]]


def check_seed_table(src: Sources) -> Outcome:
    seed = src.seed(SEED_001)
    needed = ((src.seeds / SEED_001, seed), (src.places, src.places.is_file()))
    missing = [str(path) for path, found in needed if not found]
    if missing:
        return 0, [], missing
    made = subprocess.run(
        [sys.executable, str(EXTRACT), str(seed), str(src.places)],
        capture_output=True,
        cwd=ROOT,
    )
    if made.returncode != 0:
        return (
            1,
            [f"extract_seed_table.py failed: {made.stderr.decode(errors='replace')[-500:]}"],
            [],
        )
    if made.stdout != SEED_CSV.read_bytes():
        return 1, [f"data/projects.csv differs from what extract_seed_table.py makes of {seed}"], []
    return 1, [], []


def check_copies(src: Sources) -> Outcome:
    checked, problems, missing = 0, [], []
    for copy in sorted(COPIES.iterdir()):
        original = src.places if copy.name == src.places.name else src.seed(copy.name)
        if original is None or not original.is_file():
            missing.append(str(original or src.seeds / copy.name))
            continue
        checked += 1
        if original.read_bytes() != copy.read_bytes():
            problems.append(f"tests/registry_data/{copy.name} is not a verbatim copy of {original}")
    return checked, problems, missing


def check_targets(src: Sources) -> Outcome:
    checked, problems, missing = 0, [], set()
    with TARGETS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        lines = src.lines(row["source_file"])
        if lines is None:
            missing.add(str(src.seeds / row["source_file"]))
            continue
        checked += 1
        cited = [int(row["source_line"])] + [int(n) for n in row["also_lines"].split(",") if n]
        if max(cited) > len(lines):
            problems.append(
                f"{row['key']}: cites line {max(cited)} of {row['source_file']}, which has {len(lines)}"
            )
            continue
        text = "".join(lines[n - 1] for n in cited)
        for part in [*row["indicator"].split("…"), row["target_text"]]:
            if part not in text:
                problems.append(
                    f"{row['key']}: 「{part}」 is not in {row['source_file']} lines {cited}"
                )
    return checked, problems, sorted(missing)


def check_jurisdictions(src: Sources) -> Outcome:
    checked, problems, missing = 0, [], set()
    places = None
    if src.places.is_file():
        with src.places.open(encoding="utf-8") as handle:
            places = list(csv.DictReader(handle))
    with JURISDICTIONS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        name = row["path"].rsplit("/", 1)[-1]
        if row["source"] == PLACES_SOURCE:
            if places is None:
                missing.add(str(src.places))
                continue
            checked += 1
            if not any(p["adcode"] == row["division_code"] and name in p["name"] for p in places):
                problems.append(
                    f"{row['path']}: no place named {name} with code {row['division_code']} in {src.places.name}"
                )
        for number, line in CITED_LINE.findall(row["source"]):
            lines = src.lines(number)
            if lines is None:
                missing.add(str(src.seeds / f"{number}_….txt"))
                continue
            checked += 1
            if int(line) > len(lines) or name not in lines[int(line) - 1]:
                problems.append(f"{row['path']}: {name} is not on line {line} of seed {number}")
    return checked, problems, sorted(missing)


CHECKS = {
    "seed table": check_seed_table,
    "copies": check_copies,
    "targets": check_targets,
    "jurisdictions": check_jurisdictions,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seeds", type=Path, help="folder with the seed documents")
    parser.add_argument(
        "--places", type=Path, help=f"the places list (default: DIR/../reference/{PLACES_NAME})"
    )
    args = parser.parse_args(argv)
    places = args.places or args.seeds / ".." / "reference" / PLACES_NAME
    if not args.seeds.is_dir() or not any(args.seeds.glob("*.txt")):
        print(
            f"check-sources: no source documents in {args.seeds}: skipped (the checks need the seeds folder)."
        )
        return 0
    src = Sources(args.seeds, places)
    failed = False
    for name, check in CHECKS.items():
        checked, problems, missing = check(src)
        failed = failed or bool(problems)
        status = "FAIL" if problems else ("ok  " if checked else "skip")
        note = f" (not found: {', '.join(missing)})" if missing else ""
        print(f"{status} {name}: {checked} compared{note}")
        for problem in problems:
            print(f"     {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
