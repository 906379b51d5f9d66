"""Accounts: register, log in (OAuth2 password form), who am I."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.exc import IntegrityError

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.api.ratelimit import limit_auth, limit_login_account
from app.api.schemas import Message, Token, UserPublic, UserRegister
from app.api.transactions import TransactionalRoute
from app.auth.passwords import hash_password, verify_password
from app.auth.tokens import issue_local_token
from app.config import AuthMode
from app.db import crud
from app.db.models import User
from app.errors import InvalidInput, Unauthorized

router = APIRouter(route_class=TransactionalRoute, prefix="/api/auth", tags=["auth"])
audit = logging.getLogger("app.audit")


def loggable(text: str, limit: int = 320) -> str:
    """A client-supplied value fit for a log line: bounded, no control characters (forged lines)."""
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


REGISTERED = (
    "registration received: if this email was free, its account now exists; "
    "log in with this email and password"
)


@router.post(
    "/register",
    response_model=Message,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(limit_auth)],
)
def register(*, body: UserRegister, session: SessionDep, settings: SettingsDep) -> Message:
    """Create an account (local auth mode only). The answer is the same whether or not the email
    already has an account, so this endpoint does not tell who is registered (docs/security.md);
    an existing account is left unchanged."""
    if settings.auth_mode is not AuthMode.local:
        raise InvalidInput("registration is handled by the identity provider (AUTH_MODE=oidc)")
    email = body.email.strip().lower()
    # Hashed either way, so the answer takes as long for a taken email as for a free one.
    password_hash = hash_password(body.password)
    if crud.get_user_by_email(session=session, email=email) is not None:
        audit.info("auth.register_existing", extra={"event": "auth.register_existing", "email": email})
        return Message(message=REGISTERED)
    user = User(email=email, password_hash=password_hash)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        # A concurrent registration of the same email won: the same answer.
        audit.info("auth.register_existing", extra={"event": "auth.register_existing", "email": email})
        return Message(message=REGISTERED)
    audit.info("auth.register", extra={"event": "auth.register", "user_id": str(user.id), "email": email})
    return Message(message=REGISTERED)


@router.post("/token", response_model=Token, dependencies=[Depends(limit_auth)])
def login(
    *,
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Exchange email (`username`) and password for a bearer token."""
    if settings.auth_mode is not AuthMode.local:
        raise InvalidInput("log in through the identity provider (AUTH_MODE=oidc)")
    limit_login_account(request, form.username)
    user = crud.get_user_by_email(session=session, email=form.username)
    if not verify_password(form.password, user.password_hash if user else None) or user is None:
        audit.warning(
            "auth.login_failed", extra={"event": "auth.login_failed", "email": loggable(form.username)}
        )
        raise Unauthorized("incorrect email or password")
    audit.info("auth.login", extra={"event": "auth.login", "user_id": str(user.id)})
    return Token(access_token=issue_local_token(user_id=str(user.id), settings=settings))


@router.get("/me", response_model=UserPublic)
def me(*, user: CurrentUser) -> User:
    return user
