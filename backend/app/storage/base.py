"""The storage port: one interface over a local folder and S3.

Keys are '/'-separated paths. Two areas ("buckets"): `uploads` (source files,
`uploads/{site_id}/source.kml`) and `outputs` (`terrain/…`, `outputs/{layout_id}/…`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Area = Literal["uploads", "outputs"]


@dataclass(frozen=True, kw_only=True)
class StoredObject:
    """A listed object. size_bytes [bytes]; modified_at in UTC."""

    key: str
    size_bytes: int
    modified_at: datetime


class Storage(Protocol):
    """Put, get, delete and list objects by key. Errors are `StorageError` / `StorageKeyNotFound`."""

    def put(
        self, area: Area, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None: ...

    def get(self, area: Area, key: str) -> bytes: ...

    def exists(self, area: Area, key: str) -> bool: ...

    def delete(self, area: Area, key: str) -> None: ...

    def delete_prefix(self, area: Area, prefix: str) -> int: ...

    def list(self, area: Area, prefix: str = "") -> list[StoredObject]: ...

    def stream(self, area: Area, key: str, chunk_size: int = 1 << 16) -> Iterator[bytes]: ...

    def download_url(self, area: Area, key: str, *, expires_s: int = 900) -> str | None:
        """A presigned URL for direct download, or None when the backend has none (local)."""
        ...

    def check(self) -> None:
        """Raise `StorageError` when the backend cannot be reached."""
        ...
