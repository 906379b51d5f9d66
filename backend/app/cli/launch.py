"""The `sitelayouts` console script: the warm process for `generate`, else the command line here.

Imports only the standard library until it knows where the command runs, so a command served
by the warm process (`app/cli/daemon.py`) starts in ≈ 0.05 s instead of ≈ 1.3 s of imports.
"""

from __future__ import annotations

import atexit
import os
import sys

from app.cli.daemon import WARM_COMMANDS, exit_status, run_warm

# One-shot commands that hold no database connection, thread or child process when they end.
ONE_SHOT = WARM_COMMANDS


def run() -> None:
    """Run `sitelayouts …`: in the warm process when it serves the command, else here, followed
    by a quick exit after a one-shot command.

    Tearing the interpreter down (unloading OR-Tools, SciPy, GDAL, OpenBLAS's threads) takes
    ≈ 0.15 s here, longer than a 10 MW layout's own computation, and a finished one-shot command
    gains nothing from it. So once its output is written, the exit handlers run (as at a normal
    exit: logging flushes, temporary files go), the standard streams are flushed and the process
    ends with the command's status. Other commands exit the usual way.
    """
    one_shot = len(sys.argv) > 1 and sys.argv[1] in ONE_SHOT
    if one_shot:
        try:
            status = run_warm(sys.argv[1:])
        except KeyboardInterrupt:
            status = 130
        if status is not None:
            _quick_exit(status)
    from app.cli.main import main

    try:
        main()
    except SystemExit as exc:
        if not one_shot:
            raise
        status = exit_status(exc.code)
    else:
        if not one_shot:
            return
        status = 0
    atexit._run_exitfuncs()
    _quick_exit(status)


def _quick_exit(status: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing left to say
            status = status or 1
    os._exit(status)


if __name__ == "__main__":
    run()
