"""The suite's own ground rules: it needs nothing outside the repository; the tests' cheap password
hashing is not what production does; `scripts/check-sources` says plainly when the original
documents are absent, passes on faithful copies and fails when data and documents disagree."""

import ast
import shutil
import subprocess

from tests.conftest import REGISTRY_DATA, ROOT

OUTSIDE = "sha" + "red"  # spelled apart so this file does not trip its own check
CHECK = ROOT / "scripts" / "check-sources"
SEED_001 = "001_356db9a72693fc68.txt"


def test_no_test_names_a_path_outside_the_repository():
    for path in sorted((ROOT / "tests").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert f"../{OUTSIDE}" not in node.value and node.value != OUTSIDE, path.name
            if isinstance(node, ast.Attribute) and node.attr == "parent":
                inner = node.value
                assert not (isinstance(inner, ast.Name) and inner.id == "ROOT"), path.name


def test_production_password_hashing_keeps_its_work_factor(_fast_password_hashing):
    production = _fast_password_hashing  # the function the tests replaced with a cheaper one
    assert production("correct-horse-battery").startswith("scrypt:32768:8:1$")


def _check(folder):
    return subprocess.run([str(CHECK), str(folder)], capture_output=True, text=True, timeout=120)


def _sources(tmp_path):
    """The documents the repository has copies of, laid out as the shared folder is."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "reference").mkdir()
    shutil.copy(REGISTRY_DATA / SEED_001, tmp_path / "seeds")
    shutil.copy(REGISTRY_DATA / "yuecheng_places.csv", tmp_path / "reference")
    return tmp_path / "seeds"


def test_source_check_says_so_in_one_line_when_the_documents_are_absent(tmp_path):
    for folder in (tmp_path / "nowhere", tmp_path):
        result = _check(folder)
        assert result.returncode == 0, result.stderr
        (line,) = result.stdout.splitlines()
        assert "skipped" in line and str(folder) in line


def test_source_check_passes_on_faithful_copies(tmp_path):
    result = _check(_sources(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   seed table: 1 compared" in result.stdout
    assert "ok   copies: 2 compared" in result.stdout
    assert "not found" in result.stdout  # the other four documents are not in the repository


def test_source_check_fails_when_data_and_document_disagree(tmp_path):
    seeds = _sources(tmp_path)
    document = seeds / SEED_001
    text = document.read_text(encoding="utf-8")
    assert text.count("23335") == 1  # row 1's land area
    document.write_text(text.replace("23335", "23336"), encoding="utf-8")
    result = _check(seeds)
    assert result.returncode == 1
    assert "FAIL seed table" in result.stdout and "FAIL copies" in result.stdout
