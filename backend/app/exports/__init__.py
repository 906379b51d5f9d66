"""Layout exports: GeoJSON, KMZ, CSV (zip), DXF and PDF, each a pure `ExportDocument -> bytes` writer.

See `formats.FORMATS` for the registry, `service.get_or_create_export` for storage caching and
docs/exports.md for what each file contains.
"""
