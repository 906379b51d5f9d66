"""`sitelayouts …`: the command line for people (serve, db, demo, worker, generate, terrain, export, ops)."""

from __future__ import annotations

import atexit
import json
import os
import sys

import typer

from app.cli import db as db_cli
from app.cli import export, generate, ops, study, terrain
from app.cli.serve import serve
from app.cli.worker import worker
from app.errors import AppError

app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, add_completion=False, help="Site Layouts command line."
)
app.add_typer(db_cli.db_app, name="db", help="Database migrations.")
app.command("serve")(serve)
app.command("worker")(worker)
app.command("demo")(db_cli.demo)
app.add_typer(terrain.terrain_app, name="terrain", help="Terrain analysis.")
app.add_typer(ops.ops_app, name="ops", help="Operations runbook commands.")
generate.register(app)
export.register(app)
study.register(app)


@app.command("openapi")
def openapi() -> None:
    """Print the API's OpenAPI schema as JSON (for generating the web app's client)."""
    from app.config import get_settings
    from app.main import create_app

    print(json.dumps(create_app(get_settings()).openapi(), indent=1))


# One-shot commands that hold no database connection, thread or child process when they end.
ONE_SHOT = frozenset({"generate"})


def main() -> None:
    try:
        app()
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


def run() -> None:
    """The `sitelayouts` console script: `main()`, then a quick exit after a one-shot command.

    Tearing the interpreter down (unloading OR-Tools, SciPy, GDAL, OpenBLAS's threads) takes
    ≈ 0.15 s here, longer than a 10 MW layout's own computation, and a finished one-shot command
    gains nothing from it. So once its output is written, the exit handlers run (as at a normal
    exit: logging flushes, temporary files go), the standard streams are flushed and the process
    ends with the command's status. Other commands exit the usual way.
    """
    try:
        main()
    except SystemExit as exc:
        if not (len(sys.argv) > 1 and sys.argv[1] in ONE_SHOT):
            raise
        status = _exit_status(exc.code)
    else:
        if not (len(sys.argv) > 1 and sys.argv[1] in ONE_SHOT):
            return
        status = 0
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing left to say
            status = status or 1
    os._exit(status)


def _exit_status(code: object) -> int:
    """The process status `sys.exit(code)` would give (a message is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    run()
