"""Shared engine basics: CRS, rasters, input/output types, names, validation, progress, GeoJSON."""
