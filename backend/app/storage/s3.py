"""Storage on S3 (or an S3-compatible endpoint via AWS_ENDPOINT_URL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.errors import StorageError, StorageKeyNotFound
from app.storage.base import Area, StoredObject

T = TypeVar("T")


@contextmanager
def wrap_errors(what: str) -> Iterator[None]:
    """Turn botocore's errors into ours, in one place."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            raise StorageKeyNotFound(f"no stored object {what}") from None
        raise StorageError(f"S3 error on {what}: {code or exc}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"S3 unreachable on {what}: {exc}") from exc


class S3Storage:
    """Objects in two buckets, one per area."""

    def __init__(
        self, *, uploads_bucket: str, outputs_bucket: str, region: str, endpoint_url: str | None = None
    ) -> None:
        self.buckets: dict[str, str] = {"uploads": uploads_bucket, "outputs": outputs_bucket}
        self.client: Any = boto3.client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30
            ),
        )

    def _call(self, what: str, fn: Callable[..., T], **kwargs: Any) -> T:
        with wrap_errors(what):
            return fn(**kwargs)

    def put(
        self, area: Area, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None:
        self._call(
            f"{area}/{key}",
            self.client.put_object,
            Bucket=self.buckets[area],
            Key=key,
            Body=data,
            ContentType=content_type,
        )

    def get(self, area: Area, key: str) -> bytes:
        resp = self._call(f"{area}/{key}", self.client.get_object, Bucket=self.buckets[area], Key=key)
        with wrap_errors(f"{area}/{key}"):
            body: bytes = resp["Body"].read()
        return body

    def exists(self, area: Area, key: str) -> bool:
        try:
            self._call(f"{area}/{key}", self.client.head_object, Bucket=self.buckets[area], Key=key)
        except StorageKeyNotFound:
            return False
        return True

    def delete(self, area: Area, key: str) -> None:
        self._call(f"{area}/{key}", self.client.delete_object, Bucket=self.buckets[area], Key=key)

    def delete_prefix(self, area: Area, prefix: str) -> int:
        keys = [o.key for o in self.list(area, prefix)]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self._call(
                f"{area}/{prefix}*",
                self.client.delete_objects,
                Bucket=self.buckets[area],
                Delete={"Objects": batch, "Quiet": True},
            )
        return len(keys)

    def list(self, area: Area, prefix: str = "") -> list[StoredObject]:
        out: list[StoredObject] = []
        with wrap_errors(f"{area}/{prefix}*"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.buckets[area], Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    out.append(
                        StoredObject(
                            key=item["Key"], size_bytes=item["Size"], modified_at=item["LastModified"]
                        )
                    )
        return out

    def stream(self, area: Area, key: str, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        resp = self._call(f"{area}/{key}", self.client.get_object, Bucket=self.buckets[area], Key=key)

        def chunks() -> Iterator[bytes]:
            with wrap_errors(f"{area}/{key}"):
                yield from resp["Body"].iter_chunks(chunk_size)

        return chunks()

    def download_url(self, area: Area, key: str, *, expires_s: int = 900) -> str | None:
        with wrap_errors(f"{area}/{key}"):
            url: str = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.buckets[area], "Key": key}, ExpiresIn=expires_s
            )
        return url

    def check(self) -> None:
        for bucket in self.buckets.values():
            self._call(f"bucket {bucket}", self.client.head_bucket, Bucket=bucket)
