"""`sitelayouts db upgrade|downgrade` and `sitelayouts demo`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

db_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True)
DEMO_EMAIL = "demo@sitelayouts.local"
DEMO_CREDENTIALS_NAME = "demo-credentials.json"  # under VAR_DIR


def demo_credentials_path() -> Path:
    """Where `sitelayouts demo` keeps the demo login (VAR_DIR/demo-credentials.json)."""
    from app.config import VAR_DIR

    return VAR_DIR / DEMO_CREDENTIALS_NAME


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from app.config import get_settings
    from app.db import migrate

    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base or 0001")) -> None:
    """Revert migrations down to REVISION."""
    from app.config import get_settings
    from app.db import migrate

    migrate.downgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


def ensure_demo_user(credentials_path: Path | None = None) -> tuple[str, str, bool]:
    """Create the demo user (an admin) if missing. Returns (email, password, created).

    credentials_path: default `demo_credentials_path()`.
    """
    import secrets

    from app.auth.passwords import hash_password
    from app.config import get_settings
    from app.db import crud
    from app.db.models import User
    from app.db.session import make_engine, make_session_factory, session_scope

    if credentials_path is None:
        credentials_path = demo_credentials_path()
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine, write=True)) as session:
            user = crud.get_user_by_email(session=session, email=DEMO_EMAIL)
            saved = json.loads(credentials_path.read_text()) if credentials_path.exists() else None
            if user is not None and saved:
                return DEMO_EMAIL, str(saved["password"]), False
            password = secrets.token_urlsafe(9)
            if user is None:
                session.add(User(email=DEMO_EMAIL, password_hash=hash_password(password), is_admin=True))
            else:  # the credentials file was lost: reset the password so it can be printed again
                user.password_hash = hash_password(password)
            credentials_path.parent.mkdir(parents=True, exist_ok=True)
            credentials_path.write_text(json.dumps({"email": DEMO_EMAIL, "password": password}))
            credentials_path.chmod(0o600)
            return DEMO_EMAIL, password, True
    finally:
        engine.dispose()


def demo() -> None:
    """Create the demo user (and demo site, when terrain data is available) if missing."""
    email, password, created = ensure_demo_user()
    typer.echo(f"demo login: {email} / {password}" + (" (created)" if created else ""))
    from app.cli.demo_site import ensure_demo_site

    message = ensure_demo_site(email)
    if message:
        typer.echo(message)
