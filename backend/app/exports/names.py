"""The export format names, in a module light enough for the CLI's `--help` (no writers imported)."""

from __future__ import annotations

from typing import Literal, get_args

FormatName = Literal["geojson", "kmz", "csv", "dxf", "pdf"]
FORMAT_NAMES: tuple[str, ...] = get_args(FormatName)
