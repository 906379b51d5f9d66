"""The demo site: a parcel inside the bundled real DEM, so terrain-aware layouts work offline."""

from __future__ import annotations

from app.config import get_settings

DEMO_SITE_NAME = "Demo site (Jacksboro, Tennessee)"


def ensure_demo_site(email: str) -> str | None:
    """Write the demo DEM into DEM_PATH and give the demo user the demo site, once."""
    from app.db import crud
    from app.db.models import Site
    from app.db.session import make_engine, make_session_factory, session_scope
    from app.dem.demo import demo_site_kml, write_demo_dem
    from app.sites.service import create_site_from_upload
    from app.storage.factory import make_storage

    settings = get_settings()
    dem_file = write_demo_dem(settings.dem_path)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine, write=True)) as session:
            user = crud.get_user_by_email(session=session, email=email)
            if user is None:
                return None
            existing = (
                session.query(Site).filter(Site.owner_id == user.id, Site.name == DEMO_SITE_NAME).first()
            )
            if existing is not None:
                return f"demo site: {DEMO_SITE_NAME} (terrain from {dem_file})"
            create_site_from_upload(
                session=session,
                storage=make_storage(settings),
                owner=user,
                data=demo_site_kml(),
                filename="demo-site.kml",
                name=DEMO_SITE_NAME,
            )
            return f"demo site created: {DEMO_SITE_NAME} (terrain from {dem_file})"
    finally:
        engine.dispose()
