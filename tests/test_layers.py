"""Floors only point down: the import-linter contract in pyproject.toml (the layer order of the
README's layout) holds for every import, function-local ones included, with no package loop."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# In a process of its own: import-linter configures logging, which would silence the suite's loggers.
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def test_packages_import_only_the_floors_below_them():
    result = subprocess.run(
        [sys.executable, "-c", LINT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
