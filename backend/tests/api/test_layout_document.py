"""The layout's GeoJSON document: stored once by the worker (gzip), served for GET …/geojson and the
GeoJSON export with Content-Encoding negotiated, the same plant as the one rebuilt from the rows.

Every storage-touching test runs on SQLite and PostgreSQL, and on local and S3 (moto) storage.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from app.api.content_encoding import accepts_gzip
from app.api.routes.layouts import layout_geojson
from app.api.schemas import LayoutFeatureCollection
from app.db.models import Layout
from app.exports.layout_document import (
    COORD_DECIMALS,
    compact_collection,
    decode_document,
    document_key,
    encode_document,
)
from app.exports.service import export_prefix
from app.jobs.runner import JobRunner, Outcome
from app.main import create_app
from app.services import Services
from tests.conftest import build_async_services, make_user, receive, submit, upload


@pytest.fixture(params=["local", "s3"])
def doc_services(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Services]:
    extra: dict[str, Any] = {}
    if request.param == "s3":
        endpoint = request.getfixturevalue("moto_endpoint")
        request.getfixturevalue("aws_env")
        suffix = uuid.uuid4().hex[:12]
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        for bucket in (f"up-{suffix}", f"out-{suffix}"):
            s3.create_bucket(Bucket=bucket)
        extra = {
            "storage_backend": "s3",
            "s3_uploads_bucket": f"up-{suffix}",
            "s3_outputs_bucket": f"out-{suffix}",
            "aws_endpoint_url": endpoint,
        }
    svc = build_async_services(database_url, tmp_path, **extra)
    yield svc
    svc.close()


@pytest.fixture
def doc_api(doc_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=doc_services)) as c:
        yield c


def _generated(services: Services, api: TestClient, sample_kml: bytes) -> tuple[dict[str, str], str]:
    headers = make_user(services, "doc@example.com")
    site_id = str(upload(api, headers, "s.kml", sample_kml).json()["id"])
    layout_id = submit(api, headers, site_id)
    assert JobRunner(services, worker_id="t").handle(receive(services)) is Outcome.completed
    return headers, layout_id


def _rebuilt(services: Services, layout_id: str) -> dict[str, Any]:
    """The collection rebuilt from the database rows (the path every layout took before)."""
    with services.session_factory() as session:
        layout = session.get(Layout, uuid.UUID(layout_id))
        assert layout is not None
        return layout_geojson(layout)


def _rounded(fc: dict[str, Any]) -> list[dict[str, Any]]:
    """The features with coordinates at 1e-7°, as JSON values (what a client parses)."""
    out: list[dict[str, Any]] = json.loads(json.dumps(compact_collection(fc)["features"]))
    return out


def test_document_stored_served_gzip_and_same_plant_as_rebuilt(
    doc_services: Services, doc_api: TestClient, sample_kml: bytes
) -> None:
    headers, layout_id = _generated(doc_services, doc_api, sample_kml)
    stored = doc_services.storage.get("outputs", document_key(layout_id))
    doc = decode_document(stored)

    r = doc_api.get(f"/api/layouts/{layout_id}/geojson", headers={**headers, "Accept-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    assert r.headers["content-encoding"] == "gzip" and "accept-encoding" in r.headers["vary"].lower()
    # Sent as stored: the body on the wire is the stored gzip (no re-encoding per request).
    assert int(r.headers["content-length"]) == len(stored)
    assert r.json() == doc
    plain = doc_api.get(
        f"/api/layouts/{layout_id}/geojson", headers={**headers, "Accept-Encoding": "identity"}
    )
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.content == gzip.decompress(stored) and plain.json() == doc
    assert b", " not in plain.content[:2000]  # compact separators

    # The same plant as the rows give: every feature, property and coordinate (at 1e-7°).
    rebuilt = _rebuilt(doc_services, layout_id)
    assert len(doc["features"]) == len(rebuilt["features"]) > 20
    assert doc["features"] == _rounded(rebuilt)
    assert doc["metrics"] == json.loads(json.dumps(rebuilt["metrics"]))
    assert doc["warnings"] == rebuilt["warnings"] and doc["crs"] == rebuilt["crs"]
    kinds = {f["properties"]["kind"] for f in doc["features"]}
    assert {"boundary", "asset", "road"} <= kinds
    # The typed answer the route declares: the stored text (orjson, from arrays) validates.
    typed = LayoutFeatureCollection.model_validate(doc)
    assert typed.metrics.total_capacity_kw == doc["metrics"]["total_capacity_kw"] > 0

    # The GeoJSON export is made from the document, gzipped too, and holds the same features.
    ex = doc_api.get(f"/api/layouts/{layout_id}/export/geojson", headers=headers)
    assert ex.status_code == 200 and ex.headers["content-encoding"] == "gzip"
    assert ex.headers["content-type"].startswith("application/geo+json")
    exported = ex.json()
    assert exported["features"] == doc["features"]
    assert exported["layout_id"] == layout_id and exported["bbox"][0] < exported["bbox"][2]
    ex_plain = doc_api.get(
        f"/api/layouts/{layout_id}/export/geojson", headers={**headers, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in ex_plain.headers and ex_plain.json() == exported

    # Deleting the layout deletes the stored document.
    assert doc_api.delete(f"/api/layouts/{layout_id}", headers=headers).status_code == 204
    assert not doc_services.storage.exists("outputs", document_key(layout_id))


def test_layout_without_document_is_rebuilt_and_stored(
    doc_services: Services, doc_api: TestClient, sample_kml: bytes
) -> None:
    headers, layout_id = _generated(doc_services, doc_api, sample_kml)
    served = doc_api.get(f"/api/layouts/{layout_id}/geojson", headers=headers).json()
    # As a layout completed before documents were stored (or after the lifecycle rule removed it).
    doc_services.storage.delete("outputs", document_key(layout_id))
    again = doc_api.get(f"/api/layouts/{layout_id}/geojson", headers=headers)
    assert again.status_code == 200 and again.json() == served
    assert decode_document(doc_services.storage.get("outputs", document_key(layout_id))) == served
    # Exports without a document fall back to the rows too.
    doc_services.storage.delete("outputs", document_key(layout_id))
    ex = doc_api.get(f"/api/layouts/{layout_id}/export/geojson", headers=headers)
    assert ex.status_code == 200 and _rounded(ex.json()) == served["features"]


def test_geojson_of_an_unfinished_layout_is_409(
    doc_services: Services, doc_api: TestClient, sample_kml: bytes
) -> None:
    headers = make_user(doc_services, "q@example.com")
    site_id = str(upload(doc_api, headers, "s.kml", sample_kml).json()["id"])
    layout_id = submit(doc_api, headers, site_id)
    assert doc_api.get(f"/api/layouts/{layout_id}/geojson", headers=headers).status_code == 409
    assert not doc_services.storage.exists("outputs", document_key(layout_id))


# -- pure functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("x-gzip", True),
        ("*", True),
        ("identity", False),
        ("gzip;q=0", False),
        ("deflate, *;q=0", False),
        ("GZIP", True),
        ("gzip;q=abc", False),
        ("", False),
        (None, False),
    ],
)
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_compact_collection_rounds_every_coordinate_and_nothing_else() -> None:
    fc = {
        "type": "FeatureCollection",
        "metrics": {"x": 1.123456789123},
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-93.123456789, 40.987654321]},
                "properties": {"v": 0.123456789123},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[1.000000049, 2.00000006, 300.123456789], [3.1, 4.2, 5.3]],
                },
                "properties": {},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[0.0, 0.0], [10.123456789, 0.0], [10.123456789, 10.0], [0.0, 0.0]],
                        [[1.0, 1.0], [2.0, 1.0], [2.0, 2.000000001], [1.0, 1.0]],
                    ],
                },
                "properties": {"kind": "asset"},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[[[0.1234567891, 0.0], [1.0, 0.0], [1.0, 1.0], [0.1234567891, 0.0]]]],
                },
                "properties": {},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "GeometryCollection",
                    "geometries": [
                        {"type": "Point", "coordinates": [5.55555555555, 6.0]},
                        {"type": "MultiLineString", "coordinates": [[[7.77777777777, 8.0], [9.0, 9.0]]]},
                    ],
                },
                "properties": {},
            },
            {"type": "Feature", "geometry": None, "properties": {"kind": "note"}},
        ],
    }
    out = compact_collection(fc)
    f = out["features"]
    assert f[0]["geometry"]["coordinates"] == [-93.1234568, 40.9876543]
    assert f[0]["properties"] == {"v": 0.123456789123} and out["metrics"] == fc["metrics"]
    assert f[1]["geometry"]["coordinates"] == [[1.0, 2.0000001, 300.1234568], [3.1, 4.2, 5.3]]
    assert f[2]["geometry"]["coordinates"][0][1] == [10.1234568, 0.0]
    assert f[2]["geometry"]["coordinates"][1][2] == [2.0, 2.0]
    assert f[3]["geometry"]["coordinates"] == [[[[0.1234568, 0.0], [1.0, 0.0], [1.0, 1.0], [0.1234568, 0.0]]]]
    assert f[4]["geometry"]["geometries"][0]["coordinates"] == [5.5555556, 6.0]
    assert f[4]["geometry"]["geometries"][1]["coordinates"] == [[[7.7777778, 8.0], [9.0, 9.0]]]
    assert f[5]["geometry"] is None

    # Every number in every coordinate, recomputed independently with Python's round.
    def numbers(value: Any) -> list[float]:
        return [v for x in value for v in numbers(x)] if isinstance(value, list) else [value]

    for before, after in zip(fc["features"][:4], f[:4], strict=True):
        a, b = numbers(before["geometry"]["coordinates"]), numbers(after["geometry"]["coordinates"])
        assert b == [round(v, COORD_DECIMALS) for v in a]
    # The stored form is gzip of compact JSON and decodes to the same collection.
    data = encode_document(fc)
    assert data[:2] == b"\x1f\x8b" and b" " not in gzip.decompress(data)
    assert decode_document(data) == json.loads(json.dumps(out))
    assert encode_document(fc) == data  # deterministic (no timestamp in the gzip header)


def test_document_sits_with_the_exports_so_deleting_them_deletes_it() -> None:
    assert document_key("abc").startswith(export_prefix("abc"))


def test_a_document_that_is_not_json_is_not_stored_and_nothing_fails(tmp_path: Path) -> None:
    from app.exports.layout_document import store_collection
    from app.storage.local import LocalStorage

    storage = LocalStorage(tmp_path / "s")
    bad = {"type": "FeatureCollection", "features": [], "metrics": {"x": float("nan")}}
    assert store_collection(storage, "l1", bad) is False
    assert not storage.exists("outputs", document_key("l1"))
    good = {"type": "FeatureCollection", "features": [], "metrics": {"x": 1.0}}
    assert store_collection(storage, "l1", good) is True
    assert decode_document(storage.get("outputs", document_key("l1"))) == good
