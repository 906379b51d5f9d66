"""Pick the storage adapter from settings."""

from __future__ import annotations

from app.config import Settings, StorageBackend
from app.storage.base import Storage
from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage


def make_storage(settings: Settings) -> Storage:
    if settings.storage_backend is StorageBackend.s3:
        return S3Storage(
            uploads_bucket=settings.s3_uploads_bucket,
            outputs_bucket=settings.s3_outputs_bucket,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
        )
    return LocalStorage(settings.storage_dir)
