"""The layout's GeoJSON document, written once when the layout is generated and served from storage.

The worker (and the synchronous API path) writes the layout FeatureCollection once, straight from the
engine's result (`app.engine.core.geojson.layout_geojson_bytes`, WGS84 lon/lat [degrees]): compact
JSON (no spaces, coordinates rounded to 1e-7° ≈ 1 cm) compressed with gzip, in the "outputs" area
at `outputs/{layout_id}/layout-document.geojson.gz`, beside the layout's exports: deleting the
layout (or the 30-day lifecycle rule on `outputs/`) removes it with them. `GET …/geojson` and the
exports read it instead of rebuilding the collection from the database rows; a layout without one
(completed before this existed, or expired) is rebuilt and the document stored then.

Storage is a cache here: a failed write or read is logged and the caller rebuilds.
"""

from __future__ import annotations

import gc
import gzip
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any

import numpy as np

from app.engine.core.types import LayoutParams, LayoutResult, SiteInput
from app.errors import StorageError, StorageKeyNotFound
from app.storage.base import Area, Storage

log = logging.getLogger(__name__)

AREA: Area = "outputs"
DOCUMENT_NAME = "layout-document.geojson.gz"
COORD_DECIMALS = 7  # 1e-7° ≈ 1.1 cm at the equator, as the GeoJSON and KML exports
# zlib's default level: at 1 GWac about a third of level 9's time for a file a few % larger.
GZIP_LEVEL = 6
CONTENT_TYPE = "application/geo+json"


def document_key(layout_id: str) -> str:
    """The storage key of a layout's document (area "outputs"), inside its exports' prefix."""
    return f"outputs/{layout_id}/{DOCUMENT_NAME}"


# How many list levels sit above each list of positions, per geometry type (a Point's position
# is handled as a list of one).
_DEPTH = {"MultiPoint": 0, "LineString": 0, "MultiLineString": 1, "Polygon": 1, "MultiPolygon": 2}


def _collect(coords: Any, depth: int, out: list[list[Any]]) -> None:
    if depth == 0:
        out.append(coords)
    else:
        for c in coords:
            _collect(c, depth - 1, out)


def _rebuild(coords: Any, depth: int, rounded: Iterator[list[Any]]) -> Any:
    if depth == 0:
        return next(rounded)
    return [_rebuild(c, depth - 1, rounded) for c in coords]


def _geometries(geometry: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """The simple geometries of a GeoJSON geometry (GeometryCollections opened)."""
    if not geometry:
        return
    if geometry.get("type") == "GeometryCollection":
        for g in geometry.get("geometries") or []:
            yield from _geometries(g)
    elif "coordinates" in geometry:
        yield geometry


def _positions(geometry: dict[str, Any]) -> tuple[Any, int]:
    """(coordinates as nested lists of position lists, depth above them) of a simple geometry."""
    kind = geometry.get("type")
    if kind == "Point":
        return [geometry["coordinates"]], 0
    return geometry["coordinates"], _DEPTH.get(str(kind), 0)


def _round_all(seqs: list[list[Any]]) -> list[list[Any]]:
    """Every list of positions with its numbers rounded to COORD_DECIMALS, in one numpy pass
    (per list when positions mix 2D and 3D)."""
    if not seqs:
        return []
    lengths = [len(s) for s in seqs]
    try:
        flat = np.array(list(chain.from_iterable(seqs)), dtype=float)
    except ValueError:  # ragged: 2D and 3D positions together
        return [np.round(np.asarray(s, dtype=float), COORD_DECIMALS).tolist() for s in seqs]
    rounded = np.round(flat, COORD_DECIMALS).tolist()
    ends = np.cumsum(lengths).tolist()
    return [rounded[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _compact(geometry: dict[str, Any] | None, rounded: Iterator[list[Any]]) -> dict[str, Any] | None:
    if not geometry:
        return geometry
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": [_compact(g, rounded) for g in geometry.get("geometries") or []]}
    if "coordinates" not in geometry:
        return geometry
    coords, depth = _positions(geometry)
    out = _rebuild(coords, depth, rounded)
    return {"type": kind, "coordinates": out[0] if kind == "Point" else out}


def compact_collection(fc: dict[str, Any]) -> dict[str, Any]:
    """The FeatureCollection with every feature's coordinates rounded to 1e-7° (properties as given).

    All coordinates are rounded in one numpy call: per geometry it took seconds at 1 GWac.
    """
    features = [f for f in fc.get("features") or [] if isinstance(f, dict)]
    seqs: list[list[Any]] = []
    for f in features:
        for g in _geometries(f.get("geometry")):
            coords, depth = _positions(g)
            _collect(coords, depth, seqs)
    rounded = iter(_round_all(seqs))
    return {**fc, "features": [{**f, "geometry": _compact(f.get("geometry"), rounded)} for f in features]}


def compact_json(fc: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON of a FeatureCollection: no whitespace, coordinates rounded to 1e-7°."""
    return json.dumps(
        compact_collection(fc), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")


def encode_document(fc: dict[str, Any]) -> bytes:
    """The stored form of a FeatureCollection: gzip of `compact_json` (mtime 0: same input, same bytes)."""
    with paused_gc():
        return gzip.compress(compact_json(fc), compresslevel=GZIP_LEVEL, mtime=0)


def decode_document(data: bytes) -> dict[str, Any]:
    """The FeatureCollection of a stored document (parsed by orjson: half of `json.loads`' time
    for a 1 GWac document, which every export of the layout reads)."""
    import orjson

    with paused_gc():
        out: dict[str, Any] = orjson.loads(gzip.decompress(data))
    return out


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large document is built or parsed.

    Building a 1 GWac collection allocates millions of lists and dicts (none of them cyclic
    garbage); each allocation burst set off collections of every generation, each walking the
    whole heap: it took about as long again as the work. Reference counting still frees
    everything. Nested and concurrent uses share one pause (the collector is per process).
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def save_layout_document(storage: Storage, layout_id: str, data: bytes) -> bool:
    """Store an encoded document (`encode_document`); False (logged) when storage fails."""
    try:
        storage.put(AREA, document_key(layout_id), data, content_type=CONTENT_TYPE)
    except StorageError as exc:
        log.warning("could not store the GeoJSON document of layout %s: %s", layout_id, exc)
        return False
    return True


def load_layout_document(storage: Storage, layout_id: str) -> bytes | None:
    """The stored (gzip) document of a layout, or None when there is none or storage fails."""
    try:
        return storage.get(AREA, document_key(layout_id))
    except StorageKeyNotFound:
        return None
    except StorageError as exc:
        log.warning("could not read the GeoJSON document of layout %s: %s; rebuilding", layout_id, exc)
        return None


def store_collection(storage: Storage, layout_id: str, fc: dict[str, Any]) -> bool:
    """Encode and store a layout's FeatureCollection; False (logged) when it cannot be encoded or
    stored: the document is a cache, a layout without one is rebuilt from its rows when asked."""
    try:
        data = encode_document(fc)
    except (TypeError, ValueError) as exc:  # not JSON (e.g. a NaN deep in a property)
        log.warning("the GeoJSON document of layout %s is not storable: %s", layout_id, exc)
        return False
    return save_layout_document(storage, layout_id, data)


def store_design_document(
    storage: Storage, layout_id: str, site: SiteInput, result: LayoutResult, params: LayoutParams
) -> bool:
    """Write a layout's FeatureCollection (WGS84) from the engine's result and store it once, for
    GET …/geojson and the exports; False (logged) when it cannot be stored.

    The text comes from `app.engine.core.geojson.layout_geojson_bytes` (coordinates read as arrays,
    rounded to 1e-7°, written by orjson): the same document `encode_document(layout_feature_collection
    (…))` gives (tests/engine/test_array_path.py), without a Python dict per feature. At 1 GWac it
    took the worker 1.8 s CPU that way, 0.45 s this way (docs/benchmarks.md)."""
    try:
        data = encode_result(site, result, params)
    except (TypeError, ValueError) as exc:  # orjson's JSONEncodeError is a TypeError
        log.warning("the GeoJSON document of layout %s is not storable: %s", layout_id, exc)
        return False
    return save_layout_document(storage, layout_id, data)


def encode_result(site: SiteInput, result: LayoutResult, params: LayoutParams) -> bytes:
    """The stored form (gzip, mtime 0) of a layout's FeatureCollection, written from the engine's
    result by `layout_geojson_bytes` (WGS84 lon/lat, compact, coordinates at 1e-7°)."""
    from app.engine.core.geojson import layout_geojson_bytes

    return gzip.compress(layout_geojson_bytes(site, result, params), compresslevel=GZIP_LEVEL, mtime=0)
