"""Idempotency-Key: a retried generate request replays the first result; a different body is refused."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.db.models import Layout
from app.errors import InvalidInput


def body_hash(body: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a request body (sorted keys, no spaces)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_replay(existing: Layout, digest: str) -> None:
    """Raise (422) when the key's first request had another body; layouts from before the hash
    was stored (migration 0003) replay as before."""
    if existing.idempotency_hash is not None and existing.idempotency_hash != digest:
        raise InvalidInput(
            "Idempotency-Key was already used with a different request body; "
            "use a new key for a different request"
        )
