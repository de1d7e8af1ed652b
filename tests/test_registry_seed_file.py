"""data/projects.csv is exactly what scripts/extract_seed_table.py makes of seed 001 and the
reference places (verbatim copies in tests/registry_data/): the seed file can be checked and redone."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEED_CSV

DATA = Path(__file__).resolve().parent / "registry_data"


def test_seed_csv_is_reproducible_from_the_source_document():
    made = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "extract_seed_table.py"),
            str(DATA / "001_356db9a72693fc68.txt"),
            str(DATA / "yuecheng_places.csv"),
        ],
        capture_output=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert made == SEED_CSV.read_bytes()
