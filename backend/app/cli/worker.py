"""`sitelayouts worker [--concurrency N] [--once]`."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

import typer


def worker(
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, max=64, help="worker processes"),
    once: bool = typer.Option(False, "--once", help="drain the queue, then exit"),
) -> None:
    """Run layout workers. With N > 1, N processes share the queue; signals reach all of them."""
    args = ["--once"] if once else []
    if concurrency == 1:
        from app.worker import main

        raise typer.Exit(main(args))
    procs = [subprocess.Popen([sys.executable, "-m", "app.worker", *args]) for _ in range(concurrency)]

    def _forward(signum: int, _frame: FrameType | None) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signum)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    while any(p.poll() is None for p in procs):
        time.sleep(0.2)
    codes = [p.returncode for p in procs]
    raise typer.Exit(0 if all(c == 0 for c in codes) else 1)
