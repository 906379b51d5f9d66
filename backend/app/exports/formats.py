"""The export formats: name -> (writer, file extension, content type)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from app.errors import InvalidInput
from app.exports.csv_zip import write_csv_zip
from app.exports.document import ExportDocument
from app.exports.dxf import write_dxf
from app.exports.geojson import write_geojson
from app.exports.kmz import write_kmz
from app.exports.names import FORMAT_NAMES, FormatName
from app.exports.pdf import write_pdf

__all__ = ["FORMATS", "FORMAT_NAMES", "ExportFormat", "FormatName", "get_format", "parse_format_list"]
Writer = Callable[[ExportDocument], bytes]


class ExportFormat(NamedTuple):
    """How to write one format. extension has no leading dot ("csv.zip" for the CSV archive)."""

    writer: Writer
    extension: str
    content_type: str


FORMATS: dict[str, ExportFormat] = {
    "geojson": ExportFormat(write_geojson, "geojson", "application/geo+json"),
    "kmz": ExportFormat(write_kmz, "kmz", "application/vnd.google-earth.kmz"),
    "csv": ExportFormat(write_csv_zip, "csv.zip", "application/zip"),
    "dxf": ExportFormat(write_dxf, "dxf", "image/vnd.dxf"),
    "pdf": ExportFormat(write_pdf, "pdf", "application/pdf"),
}


def get_format(name: str) -> ExportFormat:
    """The format called `name` (case-insensitive); `InvalidInput` naming the supported ones otherwise."""
    fmt = FORMATS.get(name.strip().lower())
    if fmt is None:
        raise InvalidInput(f"unknown export format {name!r}: choose one of {', '.join(FORMAT_NAMES)}")
    return fmt


def parse_format_list(value: str) -> list[str]:
    """ "pdf, KMZ,dxf" -> ["pdf", "kmz", "dxf"]: order kept, duplicates dropped; `InvalidInput` if unknown."""
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    for n in names:
        get_format(n)
    return list(dict.fromkeys(names))
