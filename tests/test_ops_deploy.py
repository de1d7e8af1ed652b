"""deploy/: the environment file documents every setting with the default the code really has, and
reads the same way in systemd and in bash; the units run the scripts that exist."""

import configparser
import json
import subprocess
from pathlib import Path

from tracker.config import DEFAULTS, PLAIN_ENV, _coerce

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _lines() -> dict[str, tuple[str, bool]]:
    """name → (value as written, commented out?)"""
    found = {}
    for line in (DEPLOY / "tracker.env").read_text().splitlines():
        text = line.removeprefix("#")
        name, sep, value = text.partition("=")
        if sep and name.replace("_", "").isalnum() and name.isupper():
            if value[:1] == value[-1:] == "'" and len(value) > 1:
                value = value[1:-1]
            found[name] = (value, line.startswith("#"))
    return found


def test_every_setting_is_in_the_environment_file_with_its_real_default():
    lines = _lines()
    missing, wrong = [], []
    for key, default in DEFAULTS.items():
        names = [f"TRACKER_{key}"] + ([key] if key in PLAIN_ENV else [])
        written = next((lines[n] for n in names if n in lines), None)
        if written is None:
            missing.append(key)
            continue
        value, commented = written
        if commented and _coerce(value, default) != default:
            wrong.append((key, value, json.dumps(default, ensure_ascii=False)))
    assert not missing, f"document these in deploy/tracker.env: {missing}"
    assert not wrong, f"deploy/tracker.env shows defaults the code does not have: {wrong}"
    unknown = {
        n for n in lines if n.removeprefix("TRACKER_") not in DEFAULTS and n not in PLAIN_ENV
    }
    assert not unknown, f"deploy/tracker.env names settings the app does not know: {unknown}"


def test_the_environment_file_reads_the_same_in_bash(tmp_path):
    # Uncomment everything: every value must survive `set -a; . file` exactly as written.
    text = "\n".join(
        line.removeprefix("#") if "=" in line and line[1:2].isupper() else line
        for line in (DEPLOY / "tracker.env").read_text().splitlines()
    )
    (tmp_path / "all.env").write_text(text)
    lines = _lines()
    script = 'set -a; . "$1"; set +a; env -0'
    out = subprocess.run(["bash", "-c", script, "_", str(tmp_path / "all.env")], capture_output=True, check=True).stdout  # fmt: skip
    env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    for name, (value, _) in lines.items():
        assert env.get(name) == value, name


def test_the_units_run_scripts_that_exist_with_the_installed_settings():
    for unit, script in (("tracker-web.service", "scripts/serve"), ("tracker-scheduler.service", "scripts/run-scheduler")):  # fmt: skip
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(DEPLOY / unit)
        service = parser["Service"]
        assert service["ExecStart"].split()[0] == f"/opt/tracker/{script}"
        assert (ROOT / script).stat().st_mode & 0o111
        assert service["EnvironmentFile"] == "/etc/tracker/tracker.env"
        assert service["User"] == "tracker" and "/var/lib/tracker" in service["ReadWritePaths"]
    install = (DEPLOY / "install").read_text()
    assert "/etc/tracker/tracker.env" in install and "tracker-web.service" in install
    nginx = (DEPLOY / "nginx-tracker.conf").read_text()
    assert "client_max_body_size 60m" in nginx
    assert DEFAULTS["MAX_CONTENT_LENGTH"] < 25 * 1024 * 1024
    assert f"server {DEFAULTS['WEB_BIND']};" in nginx
