"""The `sitelayouts` console script: the warm process for `generate`, else the command line here.

Imports only the standard library until it knows where the command runs, so a command served
by the warm process (`app/cli/daemon.py`) starts in ≈ 0.05 s instead of ≈ 1.3 s of imports.
"""

from __future__ import annotations

import atexit
import os
import sys

from app.cli.daemon import WARM_COMMANDS, run_warm


def run() -> None:
    """Run `sitelayouts …`: in the warm process when it serves the command, else here, followed
    by a quick exit after a one-shot command (those the warm process serves).

    Tearing the interpreter down (unloading OR-Tools, SciPy, GDAL, OpenBLAS's threads) takes
    ≈ 0.15 s here, longer than a 10 MW layout's own computation, and a finished one-shot command
    gains nothing from it. So once its output is written, the exit handlers run (as at a normal
    exit: logging flushes, temporary files go), the standard streams are flushed and the process
    ends with the command's status. Other commands exit the usual way.
    """
    if not (len(sys.argv) > 1 and sys.argv[1] in WARM_COMMANDS):
        from app.cli.main import main

        main()
        return
    try:
        status = run_warm(sys.argv[1:])
    except KeyboardInterrupt:
        status = 130
    if status is None:
        status = command_status()
        atexit._run_exitfuncs()
    os._exit(flushed(status))


def command_status() -> int:
    """Run the command line in this process and return its exit status (what `sys.exit` gives)."""
    from app.cli.main import main

    try:
        main()
    except SystemExit as exc:
        return exit_status(exc.code)
    return 0


def exit_status(code: object) -> int:
    """The process status `sys.exit(code)` would give (a message is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def flushed(status: int) -> int:
    """Flush stdout and stderr; `status`, or 1 when the output could not all be written."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing left to say
            status = status or 1
    return status


if __name__ == "__main__":
    run()
