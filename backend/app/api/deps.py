"""Request dependencies, declared once as `Annotated` aliases."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.api.transactions import SAFE_METHODS
from app.auth.tokens import verify_token
from app.config import AuthMode, Settings
from app.db import crud
from app.db.models import Layout, Site, Study, User
from app.errors import Forbidden, Unauthorized
from app.queue.base import JobQueue
from app.services import Services
from app.storage.base import Storage

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


# Dependencies that do no I/O are `async def`: FastAPI runs sync ones on its thread pool, and
# each hop costs more than the work.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings_dep(services: ServicesDep) -> Settings:
    return services.settings


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[Session]:
    """The request's session: a read session for GET, a write session otherwise.

    Routes use `TransactionalRoute`, which commits in the endpoint's own thread; this teardown
    only rolls back what is left (after an error) and closes.
    """
    factory = services.session_factory if request.method in SAFE_METHODS else services.write_session_factory
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


async def get_storage(services: ServicesDep) -> Storage:
    return services.storage


async def get_queue(services: ServicesDep) -> JobQueue:
    return services.queue


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
StorageDep = Annotated[Storage, Depends(get_storage)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def get_current_user(request: Request, services: ServicesDep, token: TokenDep) -> User:
    """The user behind the Bearer token; OIDC users are created on first sight by `sub`.

    Read in its own short transaction (not the request's), so no lock outlives this hop; the
    returned user is detached with its columns loaded.
    """
    settings = services.settings
    if not token:
        raise Unauthorized("missing bearer token: send Authorization: Bearer <token>")
    claims = verify_token(token, settings)
    with services.session_factory() as session:
        if settings.auth_mode is AuthMode.local:
            try:
                user = crud.get_user(session=session, user_id=uuid.UUID(claims.subject))
            except ValueError:
                user = None
            if user is None:
                raise Unauthorized("the token's user no longer exists")
        else:
            user = crud.get_user_by_sub(session=session, sub=claims.subject)
    if user is None:
        with services.write_session_factory.begin() as session:
            user = crud.get_user_by_sub(session=session, sub=claims.subject)
            if user is None:
                user = User(
                    email=claims.email or f"{claims.subject}@oidc.invalid",
                    oidc_sub=claims.subject,
                    is_admin=False,
                )
                session.add(user)
    request.state.user_id = str(user.id)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden()
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


# Ownership: the caller's site / layout / study named by the path, else 404 (another account's ids
# are not disclosed). As dependencies they answer before a request body is validated. The lookup's
# transaction ends here, in the dependency's own thread: a write session holds SQLite's lock from
# BEGIN, and no lock may wait across a thread-pool hop (app.api.transactions). The row stays in the
# request session (expire_on_commit=False); routes keep `session: SessionDep` in their signature so
# their own statements are committed in the endpoint's thread.
def get_owned_site(site_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Site:
    site = crud.get_site(session=session, site_id=site_id, owner_id=user.id)
    session.commit()
    return site


def get_owned_layout(layout_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Layout:
    layout = crud.get_layout(session=session, layout_id=layout_id, owner_id=user.id)
    session.commit()
    return layout


def get_owned_study(study_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Study:
    study = crud.get_study(session=session, study_id=study_id, owner_id=user.id)
    session.commit()
    return study


OwnedSite = Annotated[Site, Depends(get_owned_site)]
OwnedLayout = Annotated[Layout, Depends(get_owned_layout)]
OwnedStudy = Annotated[Study, Depends(get_owned_study)]


def check_metrics_access(request: Request, services: Services) -> None:
    """401/403 unless the request carries `Authorization: Bearer <METRICS_TOKEN>` (or METRICS_PUBLIC)."""
    settings = services.settings
    if settings.metrics_public:
        return
    if not settings.metrics_token:
        raise Forbidden("/metrics is disabled: set METRICS_TOKEN and scrape with that bearer token")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), settings.metrics_token):
        raise Unauthorized("/metrics needs the bearer token METRICS_TOKEN")
