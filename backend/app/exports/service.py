"""Exports generated once and kept in outputs storage.

Files live in the "outputs" area at `outputs/{layout_id}/layout.{ext}`. A lifecycle rule deletes
`outputs/` after 30 days, so a missing file is simply generated again. Storage is a cache here:
when it fails, the export is still generated and returned (and the failure logged).
"""

from __future__ import annotations

import gzip
import logging
import time
from collections.abc import Callable
from urllib.parse import quote

from app.errors import StorageError, StorageKeyNotFound
from app.exports.document import ExportDocument, safe_filename_stem
from app.exports.formats import get_format
from app.exports.layout_document import GZIP_LEVEL
from app.storage.base import Area, Storage

log = logging.getLogger(__name__)

OUTPUTS_AREA: Area = "outputs"


def export_prefix(layout_id: str) -> str:
    """The storage prefix of a layout's exports (area "outputs")."""
    return f"outputs/{layout_id}/"


def export_key(layout_id: str, fmt: str) -> str:
    """The storage key of one export, e.g. "outputs/<id>/layout.kmz" (area "outputs")."""
    return f"{export_prefix(layout_id)}layout.{get_format(fmt).extension}"


def export_filename(site_name: str, fmt: str, *, ascii_only: bool = False) -> str:
    """The download name, e.g. "Mesquite Flats-layout.kmz"; `ascii_only` transliterates."""
    stem = safe_filename_stem(site_name, ascii_only=ascii_only)
    return f"{stem}-layout.{get_format(fmt).extension}"


def content_disposition(filename: str) -> str:
    """An RFC 6266 attachment header: an ASCII `filename` plus a UTF-8 `filename*` when needed."""
    fallback = safe_filename_stem(filename, ascii_only=True, max_len=120)
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def get_or_create_export(
    *,
    doc_loader: Callable[[], ExportDocument],
    layout_id: str,
    fmt: str,
    storage: Storage,
    site_name: str | None = None,
) -> tuple[bytes, str, str]:
    """The export of a layout in format `fmt`: (data, download file name, content type).

    Served from storage when present; otherwise `doc_loader()` is called, the writer run and the
    result stored. `site_name` names the download; without it the document is loaded even on a
    cache hit just to read its name. Raises `InvalidInput` for an unknown format.
    """
    export = get_format(fmt)
    key = export_key(layout_id, fmt)
    doc: ExportDocument | None = None
    try:
        data = storage.get(OUTPUTS_AREA, key)
    except StorageKeyNotFound:
        data = None
    except StorageError as exc:
        log.warning("export cache read failed for %s: %s; generating instead", key, exc)
        data = None

    if data is None:
        doc = doc_loader()
        started = time.perf_counter()
        data = export.writer(doc)
        log.info(
            "generated %s export of layout %s: %d bytes in %.2f s",
            fmt,
            layout_id,
            len(data),
            time.perf_counter() - started,
        )
        try:
            storage.put(OUTPUTS_AREA, key, data, content_type=export.content_type)
        except StorageError as exc:
            log.warning("could not store export %s: %s; serving it uncached", key, exc)

    if site_name is None:
        site_name = (doc or doc_loader()).site_name
    return data, export_filename(site_name, fmt), export.content_type


def invalidate_exports(*, storage: Storage, layout_id: str) -> int:
    """Delete a layout's stored exports (call when the layout changes or is deleted); returns the count."""
    return storage.delete_prefix(OUTPUTS_AREA, export_prefix(layout_id))


# Formats kept gzip-compressed in storage and sent with `Content-Encoding: gzip` when the client
# accepts it: text that compresses ~20× (a 1 GWac GeoJSON: ~22 MB of JSON, ~1.2 MB gzipped).
GZIP_FORMATS = frozenset({"geojson"})


def get_or_create_gzip_export(
    *, doc_loader: Callable[[], ExportDocument], layout_id: str, fmt: str, storage: Storage
) -> bytes:
    """The gzip-compressed export of a layout in `fmt` (one of GZIP_FORMATS), stored at its export
    key plus ".gz"; made (and stored) from `doc_loader()` on a miss, like `get_or_create_export`."""
    key = export_key(layout_id, fmt) + ".gz"
    try:
        return storage.get(OUTPUTS_AREA, key)
    except StorageKeyNotFound:
        pass
    except StorageError as exc:
        log.warning("export cache read failed for %s: %s; generating instead", key, exc)
    started = time.perf_counter()
    data = gzip.compress(get_format(fmt).writer(doc_loader()), compresslevel=GZIP_LEVEL, mtime=0)
    log.info(
        "generated %s export of layout %s: %d bytes gzipped in %.2f s",
        fmt,
        layout_id,
        len(data),
        time.perf_counter() - started,
    )
    try:
        storage.put(OUTPUTS_AREA, key, data, content_type="application/gzip")
    except StorageError as exc:
        log.warning("could not store export %s: %s; serving it uncached", key, exc)
    return data
