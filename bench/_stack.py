"""The service as the benchmarks run it: a migrated database, one API process (uvicorn) and N workers
(`python -m app.worker`) on loopback, a registered user and the sample site; plus the small helpers
the benchmarks share (ports, percentiles, process CPU, machine line).

Used by bench_jobs.py, bench_status.py and bench_study.py. Run those from the repository root.
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
if str(BACKEND) not in sys.path:
    sys.path.insert(0, str(BACKEND))

from app.cli.serve import stop_processes  # noqa: E402 - the same shutdown as `sitelayouts serve`

SAMPLE_SITE = BACKEND / "app" / "samples" / "sample-site.kml"
JWT_SECRET = "bench-jobs-" + "k7Pq2Xv9Lm4Rt8Wz3Nc6Hb1Jd5Gf0Sy"  # a throwaway key for a throwaway API
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Settings of the developer's shell that would point the benchmark at other backends.
_DROPPED_ENV = ("QUEUE_BACKEND", "STORAGE_BACKEND", "AUTH_MODE", "SQS_QUEUE_URL", "SQS_DLQ_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def ms(values: list[float], q: float) -> float:
    """Percentile `q` of `values` [s], in milliseconds."""
    return pct(values, q) * 1000


def ts(text: str | None) -> datetime:
    assert text is not None
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def cpu_s(pid: int) -> float:
    """User + system CPU time of process `pid` [s] (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node()}: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )


def wait_ready(base: str, procs: list[subprocess.Popen[bytes]], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a process exited during start-up (see the logs)")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the API did not become ready in time")


@dataclass
class Stack:
    """A running API (`procs[0]`) and workers (`procs[1:]`) on `db_url`, answering at `base`."""

    base: str
    db_url: str
    procs: list[subprocess.Popen[bytes]]


@contextmanager
def running_stack(db_url: str, tmp: Path, *, workers: int, **env: str) -> Iterator[Stack]:
    """Migrate `db_url`, start the API and `workers` workers with logs in `tmp`, wait until ready.

    Embedded defaults (database queue, local storage in `tmp`, flat DEM, async generation, generous
    rate limits); `env` adds or overrides settings. On exit: SIGTERM to all, and the tail of each
    log for any process that did not exit cleanly."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp / "prometheus").mkdir(exist_ok=True)
    full_env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    full_env.update(
        DATABASE_URL=db_url,
        STORAGE_DIR=str(tmp / "storage"),
        DEM_SOURCE="flat",
        ENABLE_ASYNC_LAYOUT_GENERATION="true",
        JWT_SECRET=JWT_SECRET,
        RATE_LIMIT_GENERATE_PER_MIN="1000",
        RATE_LIMIT_AUTH_PER_MIN="1000",
        QUEUE_WAIT_TIME_S="1",
        LOG_LEVEL="WARNING",
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"),
        PYTHONPATH=str(BACKEND),
    )
    full_env.update(env)
    print(f"database: {db_url.split('@')[-1]}   API: {base}   machine: {machine()}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "app.cli.main", "db", "upgrade"], env=full_env, cwd=BACKEND, check=True
    )
    commands = [
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log"],
        *([sys.executable, "-m", "app.worker"] for _ in range(workers)),
    ]  # fmt: skip
    names = ["api"] + [f"worker-{w}" for w in range(workers)]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in zip(names, commands, strict=True):
            with (tmp / f"{name}.log").open("wb") as log:  # the child keeps its own descriptor
                procs.append(
                    subprocess.Popen(command, env=full_env, cwd=BACKEND, stdout=log, stderr=subprocess.STDOUT)
                )
        wait_ready(base, procs)
        yield Stack(base=base, db_url=db_url, procs=procs)
    finally:
        codes = stop_processes(procs)
        unclean = {n: c for n, c in zip(names, codes, strict=False) if c not in (0, -signal.SIGTERM)}
        note = f"; unclean exits: {unclean}" if unclean else ""
        print(f"stopped {len(procs)} processes with SIGTERM{note}")
        for name in unclean:
            print(f"--- {name}.log (last lines)")
            print("\n".join((tmp / f"{name}.log").read_text(errors="replace").splitlines()[-15:]))


def sign_in_with_sample_site(client: httpx.Client) -> str:
    """Register a fresh user, put its bearer token on `client`, upload the sample site; its id."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    password = "bench-password-1"
    client.post("/api/auth/register", json={"email": email, "password": password}).raise_for_status()
    token = client.post("/api/auth/token", data={"username": email, "password": password})
    token.raise_for_status()
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    with SAMPLE_SITE.open("rb") as f:
        site = client.post("/api/sites/upload", files={"file": (SAMPLE_SITE.name, f)})
    site.raise_for_status()
    return str(site.json()["id"])
