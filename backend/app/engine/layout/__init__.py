"""The layout engine's entry point: site + terrain + parameters -> placed assets, roads, metrics.

Pure: no database, HTTP, queue or files. Inputs and outputs are WGS84 (EPSG:4326); all computing
happens in the grid's CRS, the site's UTM zone. The same input always gives the same output.

`generate_layout` (generate.py) runs the stages in order, each a function of its own; they pass a
`SiteFrame` (the analysed site, read-only) and a `PlantState` (the plant being built) between them
(context.py). The stages, in order and by module:

- site.py: `validate_input`, `analyse_site` (terrain, zones, entries, reachable land)
- generation.py: `place_blocks`, `design_pv`, `require_generation`, later `check_capacity`
- access.py: `route_access_roads`, `drop_unreached`
- pv_civil.py: `fit_pv_to_roads` (tables off roads, legal cables, fences, perimeter road)
- civil.py: `connect_to_grid` (gen-tie), `find_zone_crossings`, `level_pads`
- outputs.py: `output_assets`, `output_roads`, `layout_metrics`
- documents.py: `design_plant_documents` (PV, electrical, features), `assess_constructability`
"""

from app.engine.layout.generate import generate_layout

__all__ = ["generate_layout"]
