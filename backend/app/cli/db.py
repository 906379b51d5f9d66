"""`sitelayouts db upgrade|downgrade` and `sitelayouts demo`."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import typer

from app.config import VAR_DIR, get_settings
from app.db import migrate

db_app = typer.Typer(no_args_is_help=True)
DEMO_EMAIL = "demo@sitelayouts.local"
DEMO_CREDENTIALS = VAR_DIR / "demo-credentials.json"


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base or 0001")) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


def ensure_demo_user(credentials_path: Path = DEMO_CREDENTIALS) -> tuple[str, str, bool]:
    """Create the demo user (an admin) if missing. Returns (email, password, created)."""
    from app.auth.passwords import hash_password
    from app.db import crud
    from app.db.models import User
    from app.db.session import make_engine, make_session_factory, session_scope

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
