"""Floors only point down: the import-linter contract in pyproject.toml (the layer order of the
README's layout) holds for every import, function-local ones included, with no package loop."""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_packages_import_only_the_floors_below_them(capsys):
    result = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert result == 0, capsys.readouterr().out
