"""Reading uploaded files within the upload limit (one rule for site and weather files)."""

from __future__ import annotations

from typing import BinaryIO

from app.config import Settings
from app.errors import InvalidInput, PayloadTooLarge

READ_CHUNK_BYTES = 1 << 20


def read_upload(stream: BinaryIO, settings: Settings, *, what: str = "file") -> bytes:
    """The whole upload, read in 1 MiB chunks so an oversized one is refused (413) without being
    held in memory; an empty one is a 422 naming `what`."""
    limit = settings.max_upload_bytes
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the {what} is larger than the {settings.max_upload_mb:g} MB upload limit")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise InvalidInput(f"the uploaded {what} is empty")
    return data
