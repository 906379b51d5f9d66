"""One contract for every storage adapter: the local folder and S3 (moto's server over HTTP)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from app.errors import StorageError, StorageKeyNotFound
from app.storage.base import Storage
from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    endpoint = request.getfixturevalue("moto_endpoint")
    request.getfixturevalue("aws_env")
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    suffix = tmp_path.name.lower().replace("_", "-")[-20:]
    uploads, outputs = f"up-{suffix}", f"out-{suffix}"
    s3.create_bucket(Bucket=uploads)
    s3.create_bucket(Bucket=outputs)
    return S3Storage(
        uploads_bucket=uploads, outputs_bucket=outputs, region="us-east-1", endpoint_url=endpoint
    )


def test_put_get_exists_delete(storage: Storage) -> None:
    storage.check()
    storage.put("uploads", "site-1/source.kml", b"<kml/>", content_type="application/xml")
    assert storage.exists("uploads", "site-1/source.kml")
    assert not storage.exists("outputs", "site-1/source.kml")  # areas are separate
    assert storage.get("uploads", "site-1/source.kml") == b"<kml/>"
    assert b"".join(storage.stream("uploads", "site-1/source.kml", chunk_size=2)) == b"<kml/>"
    storage.put("uploads", "site-1/source.kml", b"<kml>v2</kml>")
    assert storage.get("uploads", "site-1/source.kml") == b"<kml>v2</kml>"
    storage.delete("uploads", "site-1/source.kml")
    assert not storage.exists("uploads", "site-1/source.kml")
    storage.delete("uploads", "site-1/source.kml")  # deleting twice is fine


def test_missing_key_raises_not_found(storage: Storage) -> None:
    with pytest.raises(StorageKeyNotFound):
        storage.get("outputs", "nope/missing.tif")
    with pytest.raises(StorageKeyNotFound):
        list(storage.stream("outputs", "nope/missing.tif"))


def test_list_and_delete_prefix(storage: Storage) -> None:
    for key in (
        "terrain/a/flat-30m.tif",
        "terrain/a/file-10m.tif",
        "terrain/b/flat-30m.tif",
        "outputs/x/l.pdf",
    ):
        storage.put("outputs", key, b"123")
    listed = storage.list("outputs", "terrain/a/")
    assert [o.key for o in listed] == ["terrain/a/file-10m.tif", "terrain/a/flat-30m.tif"]
    assert all(o.size_bytes == 3 and o.modified_at.tzinfo is not None for o in listed)
    assert storage.delete_prefix("outputs", "terrain/a/") == 2
    assert [o.key for o in storage.list("outputs", "terrain/")] == ["terrain/b/flat-30m.tif"]


def test_download_url(storage: Storage) -> None:
    storage.put("outputs", "outputs/l/layout.pdf", b"%PDF")
    url = storage.download_url("outputs", "outputs/l/layout.pdf")
    if isinstance(storage, LocalStorage):
        assert url is None  # the API streams local files itself
    else:
        import httpx

        assert url is not None and httpx.get(url).content == b"%PDF"


def test_local_storage_refuses_escaping_keys(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "s")
    with pytest.raises(StorageError):
        storage.put("uploads", "../../etc/evil", b"x")


def test_s3_errors_are_ours(moto_endpoint: str, aws_env: None) -> None:
    storage = S3Storage(
        uploads_bucket="does-not-exist",
        outputs_bucket="nor-this",
        region="us-east-1",
        endpoint_url=moto_endpoint,
    )
    with pytest.raises(StorageError):
        storage.check()
    with pytest.raises(StorageError):
        storage.put("uploads", "k", b"x")
