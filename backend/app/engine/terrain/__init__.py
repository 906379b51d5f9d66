"""Terrain stage: slope/aspect analysis, terrain vectors, usable versus buildable area."""
