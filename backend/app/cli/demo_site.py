"""The demo site for `sitelayouts demo`: the demo user gets the site POST /api/sites/demo gives."""

from __future__ import annotations

from app.config import get_settings


def ensure_demo_site(email: str) -> str | None:
    """Write the demo DEM into DEM_PATH and give the demo user the demo site, once; what was done
    (None when the user does not exist)."""
    from app.db import crud
    from app.db.session import make_engine, make_session_factory, session_scope
    from app.dem.demo import DEMO_DEM_FILENAME, DEMO_SITE_NAME
    from app.sites import service
    from app.storage.factory import make_storage

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine, write=True)) as session:
            user = crud.get_user_by_email(session=session, email=email)
            if user is None:
                return None
            _, created = service.ensure_demo_site(
                session=session, storage=make_storage(settings), settings=settings, owner=user
            )
    finally:
        engine.dispose()
    terrain = settings.dem_path / DEMO_DEM_FILENAME if "file" in settings.dem_source else "DEM_SOURCE"
    return f"demo site{' created' if created else ''}: {DEMO_SITE_NAME} (terrain from {terrain})"
