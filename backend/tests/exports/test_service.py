"""The export registry and the storage-cached service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.errors import InvalidInput, StorageError
from app.exports.document import ExportDocument, safe_filename_stem
from app.exports.formats import FORMAT_NAMES, FORMATS, get_format, parse_format_list
from app.exports.service import (
    OUTPUTS_AREA,
    content_disposition,
    export_filename,
    export_key,
    get_or_create_export,
    invalidate_exports,
)
from app.storage.local import LocalStorage

LAYOUT_ID = "7f1c2d3e-0000-4000-8000-000000000001"


class CountingLoader:
    def __init__(self, doc: ExportDocument) -> None:
        self.doc = doc
        self.calls = 0

    def __call__(self) -> ExportDocument:
        self.calls += 1
        return self.doc


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def test_registry_covers_every_format() -> None:
    assert set(FORMATS) == set(FORMAT_NAMES) == {"geojson", "kmz", "csv", "dxf", "pdf"}
    assert get_format("PDF").content_type == "application/pdf"
    assert get_format("kmz").content_type == "application/vnd.google-earth.kmz"
    assert get_format("geojson").content_type == "application/geo+json"
    assert get_format("csv").extension == "csv.zip"
    with pytest.raises(InvalidInput, match="geojson, kmz, csv, dxf, pdf"):
        get_format("shp")


def test_parse_format_list() -> None:
    assert parse_format_list("pdf, KMZ,dxf,pdf,") == ["pdf", "kmz", "dxf"]
    with pytest.raises(InvalidInput):
        parse_format_list("pdf,docx")


def test_export_is_generated_once_then_served_from_storage(
    doc: ExportDocument, storage: LocalStorage
) -> None:
    loader = CountingLoader(doc)
    data, filename, ctype = get_or_create_export(
        doc_loader=loader, layout_id=LAYOUT_ID, fmt="geojson", storage=storage, site_name=doc.site_name
    )
    assert loader.calls == 1
    assert json.loads(data)["layout_id"] == doc.layout_id
    assert filename == "Mesquite Flats Solar-layout.geojson"
    assert ctype == "application/geo+json"
    key = f"outputs/{LAYOUT_ID}/layout.geojson"
    assert export_key(LAYOUT_ID, "geojson") == key
    assert storage.get(OUTPUTS_AREA, key) == data

    again, filename2, _ = get_or_create_export(
        doc_loader=loader, layout_id=LAYOUT_ID, fmt="geojson", storage=storage, site_name=doc.site_name
    )
    assert loader.calls == 1  # served from storage
    assert again == data
    assert filename2 == filename


def test_missing_file_is_regenerated(doc: ExportDocument, storage: LocalStorage) -> None:
    loader = CountingLoader(doc)
    kwargs = {
        "doc_loader": loader,
        "layout_id": LAYOUT_ID,
        "fmt": "csv",
        "storage": storage,
        "site_name": "S",
    }
    first, filename, _ = get_or_create_export(**kwargs)
    assert filename == "S-layout.csv.zip"
    storage.delete(OUTPUTS_AREA, f"outputs/{LAYOUT_ID}/layout.csv.zip")  # the 30-day lifecycle rule
    second, _, _ = get_or_create_export(**kwargs)
    assert loader.calls == 2
    assert second == first  # deterministic output


def test_without_site_name_the_document_names_the_file(doc: ExportDocument, storage: LocalStorage) -> None:
    loader = CountingLoader(doc)
    for _ in range(2):
        _, filename, _ = get_or_create_export(
            doc_loader=loader, layout_id=LAYOUT_ID, fmt="kmz", storage=storage
        )
        assert filename == "Mesquite Flats Solar-layout.kmz"


def test_invalidate_exports(doc: ExportDocument, storage: LocalStorage) -> None:
    for fmt in ("geojson", "csv"):
        get_or_create_export(
            doc_loader=lambda: doc, layout_id=LAYOUT_ID, fmt=fmt, storage=storage, site_name="x"
        )
    get_or_create_export(
        doc_loader=lambda: doc, layout_id="other", fmt="geojson", storage=storage, site_name="x"
    )
    assert invalidate_exports(storage=storage, layout_id=LAYOUT_ID) == 2
    assert [o.key for o in storage.list(OUTPUTS_AREA)] == ["outputs/other/layout.geojson"]


class BrokenStorage(LocalStorage):
    def get(self, area, key):  # type: ignore[override]
        raise StorageError("bucket unreachable")

    def put(self, area, key, data, *, content_type="application/octet-stream"):  # type: ignore[override]
        raise StorageError("bucket unreachable")


def test_storage_failure_still_serves_the_export(doc: ExportDocument, tmp_path: Path) -> None:
    data, _, _ = get_or_create_export(
        doc_loader=lambda: doc,
        layout_id=LAYOUT_ID,
        fmt="geojson",
        storage=BrokenStorage(tmp_path),
        site_name="x",
    )
    assert json.loads(data)["type"] == "FeatureCollection"


def test_unknown_format_is_refused_before_loading(storage: LocalStorage) -> None:
    def loader() -> ExportDocument:
        raise AssertionError("must not load")

    with pytest.raises(InvalidInput):
        get_or_create_export(doc_loader=loader, layout_id=LAYOUT_ID, fmt="xlsx", storage=storage)


@pytest.mark.parametrize(
    ("site_name", "unicode_name", "ascii_name"),
    [
        ("Mesquite Flats Solar", "Mesquite Flats Solar-layout.kmz", "Mesquite-Flats-Solar-layout.kmz"),
        ('Parc «Éole» / Ферма "Nord"', "Parc «Éole» - Ферма -Nord-layout.kmz", "Parc-Eole-Nord-layout.kmz"),
        ("../../etc/passwd", "etc-passwd-layout.kmz", "etc-passwd-layout.kmz"),
        ("太陽", "太陽-layout.kmz", "site-layout.kmz"),
        ("  \n\t ", "site-layout.kmz", "site-layout.kmz"),
    ],
)
def test_filenames_are_safe(site_name: str, unicode_name: str, ascii_name: str) -> None:
    assert export_filename(site_name, "kmz") == unicode_name
    assert export_filename(site_name, "kmz", ascii_only=True) == ascii_name
    assert "/" not in unicode_name and "\\" not in unicode_name


def test_content_disposition() -> None:
    assert content_disposition("Mesquite-layout.pdf") == 'attachment; filename="Mesquite-layout.pdf"'
    header = content_disposition("Ферма Éole-layout.pdf")
    assert header.startswith('attachment; filename="Eole-layout.pdf"; ')
    assert "filename*=UTF-8''%D0%A4%D0%B5%D1%80%D0%BC%D0%B0%20%C3%89ole-layout.pdf" in header
    header.encode("latin-1")  # HTTP header values must be latin-1 encodable


def test_safe_filename_stem_truncates() -> None:
    assert len(safe_filename_stem("x" * 500)) == 80
