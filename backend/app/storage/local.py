"""Storage in a local folder: `{root}/{area}/{key}`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from app.errors import StorageError, StorageKeyNotFound
from app.storage.base import Area, StoredObject


class LocalStorage:
    """Objects as files under `root`. Writes are atomic (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, area: Area, key: str) -> Path:
        base = (self.root / area).resolve()
        path = (base / key).resolve()
        # Keys come from our own code, but never let one escape its area.
        if base != path and base not in path.parents:
            raise StorageError(f"invalid storage key {key!r}")
        return path

    def put(
        self, area: Area, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None:
        path = self._path(area, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageError(f"could not write {area}/{key}: {exc.strerror}") from exc

    def get(self, area: Area, key: str) -> bytes:
        path = self._path(area, key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StorageKeyNotFound(f"no stored object {area}/{key}") from None
        except OSError as exc:
            raise StorageError(f"could not read {area}/{key}: {exc.strerror}") from exc

    def exists(self, area: Area, key: str) -> bool:
        return self._path(area, key).is_file()

    def delete(self, area: Area, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(area, key).unlink()

    def delete_prefix(self, area: Area, prefix: str) -> int:
        objects = self.list(area, prefix)
        for obj in objects:
            self.delete(area, obj.key)
        return len(objects)

    def list(self, area: Area, prefix: str = "") -> list[StoredObject]:
        base = self.root / area
        if not base.exists():
            return []
        out = []
        for path in base.rglob("*"):
            if not path.is_file() or path.name.startswith(".tmp-"):
                continue
            key = path.relative_to(base).as_posix()
            if key.startswith(prefix):
                st = path.stat()
                out.append(
                    StoredObject(
                        key=key,
                        size_bytes=st.st_size,
                        modified_at=datetime.fromtimestamp(st.st_mtime, tz=UTC),
                    )
                )
        return sorted(out, key=lambda o: o.key)

    def stream(self, area: Area, key: str, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        path = self._path(area, key)
        if not path.is_file():
            raise StorageKeyNotFound(f"no stored object {area}/{key}")

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while chunk := fh.read(chunk_size):
                    yield chunk

        return chunks()

    def download_url(self, area: Area, key: str, *, expires_s: int = 900) -> str | None:
        return None

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"storage folder {self.root} is not writable: {exc.strerror}") from exc
