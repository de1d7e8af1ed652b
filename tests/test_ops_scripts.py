"""scripts/serve and scripts/run as an operator uses them: they set up, serve, answer /readyz, and
stopping the script by its own process id (SIGTERM or SIGINT) stops everything it started, so
the port is free for the next start."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-only-secret-key-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True
        )
        for child in map(int, out.stdout.split()):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _env(tmp_path: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
    env.pop("SECRET_KEY", None)
    return env | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
        "TRACKER_WEB_BIND": f"127.0.0.1:{port}",
        "TRACKER_WEB_WORKERS": "2",
        "TRACKER_WEB_THREADS": "2",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SECRET_KEY": SECRET,
        "PYTHONWARNINGS": "ignore",
    }


def _start_then_stop(command: list[str], env: dict, port: int, sig: int, tmp_path: Path):
    with (tmp_path / "out.txt").open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while _status(f"http://127.0.0.1:{port}/readyz") != 200:
            assert proc.poll() is None, (tmp_path / "out.txt").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "out.txt").read_text()[-3000:]
            time.sleep(0.5)
        started = _descendants(proc.pid)
        assert len(started) >= 2, started  # the web server and the scheduler at least
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in started if _alive(p)], "processes left running"
        assert _status(f"http://127.0.0.1:{port}/healthz") is None  # the port is free
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return (tmp_path / "out.txt").read_text()


@pytest.mark.slow
def test_scripts_serve_runs_gunicorn_and_stops_with_everything_it_started(tmp_path):
    port = _free_port()
    output = _start_then_stop(
        ["scripts/serve", "--trial", "--no-seed"],
        _env(tmp_path, port),
        port,
        signal.SIGTERM,
        tmp_path,
    )
    assert "Booting worker" in output and "gthread" in output
    assert 'GET /readyz HTTP/1.1" 200' in output and " id=" in output  # access log with the id


@pytest.mark.slow
def test_scripts_run_stops_with_everything_it_started(tmp_path):
    port = _free_port()
    _start_then_stop(["scripts/run"], _env(tmp_path, port), port, signal.SIGINT, tmp_path)


@pytest.mark.slow
def test_scripts_serve_refuses_development_defaults(tmp_path):
    env = _env(tmp_path, _free_port())
    env.pop("SECRET_KEY")
    done = subprocess.run(
        ["scripts/serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2
    assert "SECRET_KEY" in done.stderr and "Traceback" not in done.stderr
