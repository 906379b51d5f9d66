"""Bearer tokens: HS256 tokens we issue (AUTH_MODE=local) and RS256 tokens from an OIDC issuer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from app.config import AuthMode, Settings
from app.errors import Unauthorized

LOCAL_ISSUER = "sitelayouts"


@dataclass(frozen=True, kw_only=True)
class TokenClaims:
    """Who a verified token speaks for: our user id (local) or the issuer's subject (OIDC)."""

    subject: str
    email: str | None


def issue_local_token(*, user_id: str, settings: Settings) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": user_id,
        "iss": LOCAL_ISSUER,
        "iat": now,
        "exp": now + timedelta(minutes=settings.jwt_expire_minutes),
    }
    return jwt.encode(payload, settings.resolved_jwt_secret(), algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # Keys are cached by PyJWKClient; an unknown `kid` refetches (key rotation).
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=10)


def verify_token(token: str, settings: Settings) -> TokenClaims:
    """Check signature, issuer, audience (OIDC) and expiry; raise `Unauthorized` on any failure."""
    try:
        if settings.auth_mode is AuthMode.local:
            claims: dict[str, Any] = jwt.decode(
                token,
                settings.resolved_jwt_secret(),
                algorithms=["HS256"],
                issuer=LOCAL_ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        else:
            assert settings.oidc_jwks_url and settings.oidc_issuer and settings.oidc_audience
            key = _jwks_client(settings.oidc_jwks_url).get_signing_key_from_jwt(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
            if "aud" not in unverified and "client_id" in unverified:
                # Cognito access tokens name the app client in `client_id` instead of `aud`.
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=["RS256"],
                    issuer=settings.oidc_issuer,
                    options={"require": ["exp", "sub", "iss"], "verify_aud": False},
                )
                if claims.get("client_id") != settings.oidc_audience:
                    raise jwt.InvalidAudienceError("client_id does not match OIDC_AUDIENCE")
            else:
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=["RS256"],
                    issuer=settings.oidc_issuer,
                    audience=settings.oidc_audience,
                    options={"require": ["exp", "sub", "iss", "aud"]},
                )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired; log in again") from None
    except jwt.PyJWKClientError as exc:
        raise Unauthorized(f"token signing key not found: {exc}") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"invalid token: {exc}") from None
    email = claims.get("email")
    return TokenClaims(subject=str(claims["sub"]), email=str(email) if email else None)
