"""GET /api/layouts/{id}/status on the cheap: the web app polls it every 2 s per running job.

Why it is shaped like this (issue 14 point 10; measurements in docs/benchmarks.md):
- one primary-key lookup selecting only the columns the answer needs, through a Core
  connection: no ORM Session, identity map or object graph;
- local auth (our HS256 tokens) is the token itself: its signature and expiry are checked, and
  its subject is the user id, so no users-table round trip. The layout query filters on
  owner_id, so a deleted user (whose layouts cascade away) still sees nothing. OIDC tokens take
  the usual path (a user row maps the issuer's subject to our id);
- the body gets a strong ETag; a poll sending it back in If-None-Match gets 304 Not Modified
  with no body.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from functools import lru_cache
from typing import Any

from fastapi import Request, Response
from sqlalchemy import bindparam, select

from app.api.schemas import LayoutStatusPublic
from app.auth.tokens import verify_token
from app.config import AuthMode
from app.db.models import Layout, LayoutStatus
from app.errors import NotFound, Unauthorized
from app.services import Services

_T = Layout.__table__.c
# Numbers reported once a layout is completed (None before: partial values would mislead).
_DONE_ONLY = (
    "total_capacity_kw",
    "asset_count",
    "road_length_m",
    "cut_volume_m3",
    "fill_volume_m3",
    "annual_energy_mwh",
)
_COLUMNS = (
    "id",
    "status",
    "error_message",
    "stage",
    "progress_pct",
    "queued_at",
    "started_at",
    "completed_at",
    "attempts",
    "warnings",
    *_DONE_ONLY,
)
_STATUS_QUERY = select(*(_T[c] for c in _COLUMNS)).where(
    _T.id == bindparam("lid", type_=_T.id.type), _T.owner_id == bindparam("uid", type_=_T.owner_id.type)
)


@lru_cache(maxsize=4096)
def _verified_local(token: str, secret: str) -> tuple[uuid.UUID, float]:
    """(user id, expiry as a Unix time) of a local token whose signature checks out.

    Cached because a poller sends the same token every 2 s and HS256 verification is most of
    the request's CPU; the expiry is re-checked on every use (`_user_id`), and the secret is part
    of the key, so a changed JWT_SECRET verifies afresh.
    """
    import jwt

    from app.auth.tokens import LOCAL_ISSUER

    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=LOCAL_ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.InvalidTokenError:
        raise ValueError("invalid") from None
    return uuid.UUID(str(claims["sub"])), float(claims["exp"])


def _user_id(request: Request, services: Services, token: str | None) -> uuid.UUID:
    """The caller's user id; checked from the token alone in local auth mode."""
    if not token:
        raise Unauthorized("missing bearer token: send Authorization: Bearer <token>")
    settings = services.settings
    if settings.auth_mode is AuthMode.local:
        try:
            user_id, exp = _verified_local(token, settings.resolved_jwt_secret())
        except ValueError:
            # Not cached (lru_cache keeps no exceptions): the full check names the problem.
            claims = verify_token(token, settings)
            try:
                user_id = uuid.UUID(claims.subject)
            except ValueError:
                raise Unauthorized("invalid token: its subject is not a user id") from None
            exp = time.time() + 1
        if exp <= time.time():
            raise Unauthorized("token expired; log in again")
    else:
        from app.api.deps import get_current_user

        user_id = get_current_user(request, services, token).id
    request.state.user_id = str(user_id)
    return user_id


def status_body(row: Any) -> dict[str, Any]:
    """The status document of one `_STATUS_QUERY` row (JSON-ready via LayoutStatusPublic)."""
    done = row.status == LayoutStatus.completed.value
    values: dict[str, Any] = {c: getattr(row, c) for c in _COLUMNS if c != "id"}
    values["layout_id"] = row.id
    values["warnings"] = list(row.warnings or [])
    if not done:
        for c in _DONE_ONLY:
            values[c] = None
    return values


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): "W/" prefixes are ignored."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def status_response(
    *, request: Request, services: Services, token: str | None, layout_id: uuid.UUID
) -> Response:
    """The layout's status as JSON with an ETag, or 304 when If-None-Match names that ETag.

    404 when the layout does not exist or belongs to someone else (same answer for both).
    """
    user_id = _user_id(request, services, token)
    with services.engine.connect() as conn:
        row = conn.execute(_STATUS_QUERY, {"lid": layout_id, "uid": user_id}).first()
    if row is None:
        raise NotFound(f"layout {layout_id} not found")
    body = LayoutStatusPublic(**status_body(row)).model_dump_json().encode()
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    # no-cache: caches may store it but must revalidate, which the ETag makes a cheap 304.
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)
