"""`sitelayouts …`: the command line for people (serve, db, demo, worker, generate, terrain, export, ops)."""

from __future__ import annotations

import json
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


daemon_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True)
app.add_typer(
    daemon_app, name="daemon", help="The warm process that serves `generate` (SITELAYOUTS_DAEMON=0: off)."
)


@daemon_app.command("status")
def daemon_status() -> None:
    """Print this user's warm processes as JSON: pid, commands served and running, idle [s]."""
    from app.cli.daemon import status_all

    print(json.dumps(status_all(), indent=1))


@daemon_app.command("stop")
def daemon_stop() -> None:
    """Stop this user's warm processes (commands already running finish)."""
    from app.cli.daemon import stop_all

    stopped = stop_all()
    typer.echo(f"stopped {len(stopped)} warm process(es)", err=True)


@app.command("openapi")
def openapi() -> None:
    """Print the API's OpenAPI schema as JSON (for generating the web app's client)."""
    from app.config import get_settings
    from app.main import create_app

    print(json.dumps(create_app(get_settings()).openapi(), indent=1))


def main() -> None:
    """The command line in this process (the console script is `app.cli.launch.run`)."""
    try:
        app()
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    from app.cli.launch import run

    run()
