"""Shared engine basics: CRS, rasters, input/output types, names, energy basis, validation,
progress, GeoJSON."""
