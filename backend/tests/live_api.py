"""The API as a real uvicorn process on loopback, for tests that need real sockets, threads and
an event loop of its own (concurrency, uploads off the loop)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND_DIR, JWT_SECRET


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_api(database_url: str, tmp_path: Path, **env: str) -> Iterator[str]:
    """`python -m uvicorn app.main:app` on a free loopback port, on `database_url`, with the test
    JWT secret, storage under `tmp_path` and generous auth rate limits; `env` adds or overrides
    settings. Yields the base URL once /health answers; SIGTERM on exit."""
    with live_api_process(database_url, tmp_path, **env) as (base, _proc):
        yield base


@contextmanager
def live_api_process(
    database_url: str, tmp_path: Path, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`live_api`, yielding the uvicorn process too (for tests that signal it themselves)."""
    port = free_port()
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "JWT_SECRET": JWT_SECRET,
        "RATE_LIMIT_AUTH_PER_MIN": "10000",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    log_path = tmp_path / f"uvicorn-{port}.log"
    with log_path.open("w") as log:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--no-access-log"],
            cwd=BACKEND_DIR, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        if not _answers(f"{base}/health", proc, timeout_s=60):
            proc.kill()
            pytest.fail(f"uvicorn did not start: {log_path.read_text()[-2000:]}")
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def _answers(url: str, proc: subprocess.Popen[bytes], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False
