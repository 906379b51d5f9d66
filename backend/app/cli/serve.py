"""`sitelayouts serve`: migrate, ensure the demo login, run the API and one worker until Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from types import FrameType

import typer

STOP_GRACE_S = 70  # a little over the worker's shutdown grace


def serve(
    host: str = typer.Option("127.0.0.1", envvar="HOST", help="address to listen on"),
    port: int = typer.Option(8000, envvar="PORT", help="port to listen on"),
    workers: int = typer.Option(1, min=0, help="worker processes to start"),
) -> None:
    """Start the API (uvicorn) and worker processes; Ctrl-C stops them cleanly."""
    from app.cli.db import demo
    from app.config import VAR_DIR, get_settings
    from app.db import migrate

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    typer.echo(f"database: {settings.database_url}")
    demo()
    env = dict(os.environ)
    # Several processes share one metrics folder so /metrics adds up API and worker counters.
    metrics_dir = VAR_DIR / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    procs: list[subprocess.Popen[bytes]] = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                host,
                "--port",
                str(port),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "20",
            ],
            env=env,
        )
    ]
    procs += [subprocess.Popen([sys.executable, "-m", "app.worker"], env=env) for _ in range(workers)]
    typer.echo(f"\nSite Layouts is running at http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    typer.echo(
        f"async generation: {'on' if settings.enable_async_layout_generation else 'off'}; "
        f"{workers} worker(s). Press Ctrl-C to stop.\n"
    )

    stopping = False

    def _stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    old_int = signal.signal(signal.SIGINT, _stop)
    old_term = signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.3)
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        stop_processes(procs)
    failed = [p.args for p in procs if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
    if failed and not stopping:
        typer.echo("a process exited unexpectedly; stopped the others", err=True)
        raise typer.Exit(1)
    typer.echo("stopped")


def stop_processes(procs: list[subprocess.Popen[bytes]], grace_s: float = STOP_GRACE_S) -> list[int | None]:
    """SIGTERM every process still running, wait up to `grace_s` [s] in all for them to finish
    their jobs, SIGKILL what is left; their exit codes."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
    return [p.returncode for p in procs]
