"""The production stack for load and fault tests: scripts/serve (gunicorn + scheduler) started as
deploy/ describes it, a throw-away PostgreSQL server of our own (so stopping it harms nobody
else's database), a filled database, and a bounded load generator. Traffic goes to 127.0.0.1 only.

Not a benchmark itself (scripts/benchmarks/load.py and tests/test_ops_faults.py use it)."""

import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SECRET = "load-and-fault-tests-only-" + "k" * 40
PASSWORD = "benchmark-password-123"
VERIFY_TLS = True  # False for a self-signed certificate (CI's nginx)
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL of our own ----------------------------------------------------------------


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class ThrowawayPostgres:
    """initdb + pg_ctl in a temporary folder, on a free port, as the postgres system user."""

    def __init__(self):
        self.bin = pg_bin()
        if self.bin is None or os.geteuid() != 0 or shutil.which("runuser") is None:
            raise RuntimeError("needs root and Debian's PostgreSQL server binaries")
        self.folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/tracker"

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def create(self) -> "ThrowawayPostgres":
        data = self.folder / "data"
        self._pg(str(self.bin / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
                 "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        self.start()
        self._pg(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                 "postgres", "tracker")  # fmt: skip
        return self

    def start(self) -> None:
        self._pg(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-l",
                 str(self.folder / "server.log"), "-o",
                 f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                 "start")  # fmt: skip

    def stop(self) -> None:
        self._pg(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-m", "fast",
                 "stop", check=False)  # fmt: skip

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the server -------------------------------------------------------------------------


@dataclass
class Stack:
    """scripts/serve with production settings (TRACKER_ENV=production, a real SECRET_KEY)."""

    database_url: str
    folder: Path
    workers: int = 4
    threads: int = 4
    scheduler: bool = True
    extra_env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "FLASK_"))}
        return (
            env
            | {
                "TRACKER_ENV": "production",
                "SECRET_KEY": SECRET,
                "DATABASE_URL": self.database_url,
                "TRACKER_INSTANCE_PATH": str(self.folder / "instance"),
                "TRACKER_WEB_BIND": f"127.0.0.1:{self.port}",
                "TRACKER_WEB_WORKERS": str(self.workers),
                "TRACKER_WEB_THREADS": str(self.threads),
                "TRACKER_SCHEDULER_LOCK_FILE": str(self.folder / "scheduler.lock"),
                "PYTHONWARNINGS": "ignore",
            }
            | self.extra_env
        )

    def start(self, timeout: float = 240) -> "Stack":
        self.folder.mkdir(parents=True, exist_ok=True)
        args = ["scripts/serve", "--no-seed"] + ([] if self.scheduler else ["--no-scheduler"])
        with (self.folder / "serve.log").open("a") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        ready = "/readyz" if self.scheduler else "/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scripts/serve ended:\n{self.log()[-3000:]}")
            try:
                if requests.get(self.url + ready, timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"scripts/serve not ready in {timeout} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        path = self.folder / "serve.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def workers_pids(self) -> list[int]:
        """gunicorn's worker processes (children of the master)."""
        master = subprocess.run(["pgrep", "-f", "-s", str(self.proc.pid), "gunicorn"],
                                capture_output=True, text=True).stdout.split()  # fmt: skip
        pids = [int(p) for p in master]
        parents = {p: int(Path(f"/proc/{p}/stat").read_text().split()[3]) for p in pids}
        return [p for p in pids if parents[p] in pids]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def login(base_url: str, username: str, password: str = PASSWORD) -> requests.Session:
    """Sign in through the login form (CSRF token and all), as a browser does."""
    session = requests.Session()
    page = session.get(f"{base_url}/login", timeout=30, verify=VERIFY_TLS).text
    token = CSRF.search(page).group(1)
    response = session.post(
        f"{base_url}/login",
        data={"csrf_token": token, "username": username, "password": password},
        headers={"Referer": f"{base_url}/login"},  # as a browser sends it (CSRF over HTTPS)
        allow_redirects=False,
        timeout=30,
        verify=VERIFY_TLS,  # per request: REQUESTS_CA_BUNDLE would override the session's
    )
    assert response.status_code == 302, (response.status_code, response.text[:300])
    return session


# --- load --------------------------------------------------------------------------------


@dataclass
class Sample:
    name: str
    status: int  # 0: no answer (connection refused, timeout)
    ms: float
    at: float = 0.0  # seconds since the load started, when the request began


def run_load(
    base_url: str,
    cookies,
    endpoints: dict[str, Callable[[random.Random], str]],
    *,
    clients: int,
    seconds: float,
    timeout: float = 30,
) -> tuple[list[Sample], float]:
    """`clients` threads, each with its own connection, cycling through the endpoints until
    `seconds` have passed (bounded: no request starts after the deadline). Returns the samples
    and the wall time."""
    samples: list[Sample] = []
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        session = requests.Session()
        session.cookies.update(cookies)
        names = list(endpoints)
        mine = []
        i = number
        while time.monotonic() < deadline:
            name = names[i % len(names)]
            i += 1
            began = time.perf_counter()
            at = time.monotonic() - start
            try:
                response = session.get(
                    base_url + endpoints[name](rng), timeout=timeout, verify=VERIFY_TLS
                )
                response.content  # noqa: B018 — read the whole body
                status = response.status_code
            except requests.RequestException:
                status = 0
            mine.append(Sample(name, status, (time.perf_counter() - began) * 1000, at))
        with lock:
            samples.extend(mine)

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + timeout + 30)
    return samples, time.monotonic() - began


def summarise(samples: list[Sample], wall: float) -> dict[str, dict]:
    """Per endpoint: requests, errors (anything but 200), median and p95 ms, requests/s."""
    out = {}
    for name in sorted({s.name for s in samples}):
        mine = [s for s in samples if s.name == name]
        times = sorted(s.ms for s in mine)
        out[name] = {
            "requests": len(mine),
            "errors": sum(1 for s in mine if s.status != 200),
            "median_ms": statistics.median(times),
            "p95_ms": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
            "per_s": len(mine) / wall,
        }
    return out
