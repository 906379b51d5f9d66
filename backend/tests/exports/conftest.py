"""A fixture factory for export documents: a small layout built in UTM, stored as WGS84 GeoJSON.

The site sits near (-99.5°, 31.0°) in Texas, UTM zone 14N (EPSG:32614). All sizes below are
metres in that CRS; `make_document` converts to WGS84 like the engine does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box, mapping

from app.engine.core.crs import to_utm, to_wgs84
from app.exports.document import ExportDocument

CRS = "EPSG:32614"
ORIGIN_LONLAT = (-99.5, 31.0)
WARNINGS = [
    "Target capacity not reached: 13,200 kW placed of 15,000 kW.",
    "2 PV blocks sit on slopes steeper than 8°.",
]
# Shaped like app.engine.terrain.analysis.TerrainSummary.to_dict() plus "source" and "contour_interval_m".
TERRAIN = {
    "source": "3dep",
    "crs": "EPSG:32614",
    "resolution_m": 10.0,
    "cell_count": 4050,
    "nodata_share": 0.0,
    "area_ha": 40.5,
    "elevation_min_m": 245.2,
    "elevation_max_m": 262.8,
    "elevation_mean_m": 253.9,
    "slope_mean_deg": 2.1,
    "slope_max_deg": 9.4,
    "slope_classes": [
        {"lower_deg": 0.0, "upper_deg": 2.0, "area_ha": 20.1, "share": 0.496, "label": "0-2"},
        {"lower_deg": 2.0, "upper_deg": 5.0, "area_ha": 15.3, "share": 0.378, "label": "2-5"},
        {"lower_deg": 5.0, "upper_deg": 10.0, "area_ha": 5.1, "share": 0.126, "label": "5-10"},
    ],
    "buildable_share_by_limit": {"2": 0.496, "5": 0.874, "10": 1.0},
    "buildable_share_by_asset": {"pv_tracker": 0.95, "bess": 0.7},
    "contour_interval_m": 1.0,
}
PARAMS = {
    "target_capacity_kw": 15_000.0,
    "profile": "hybrid",
    "strategy": "balanced",
    "setback_m": 15.0,
    "dem_resolution_m": 10.0,
    "use_terrain": True,
    "overrides": {"pv_block": {"max_slope_deg": 8}},
}


def origin_utm() -> tuple[float, float]:
    p = to_utm(Point(*ORIGIN_LONLAT), CRS)
    return p.x, p.y


def _wgs(geom: Any) -> dict[str, Any]:
    ox, oy = origin_utm()
    return dict(mapping(to_wgs84(affinity.translate(geom, ox, oy), CRS)))


def make_feature_collection(
    *,
    n_pv: int = 6,
    n_bess: int = 2,
    substation: bool = True,
    roads: bool = True,
    exclusion: bool = True,
) -> dict[str, Any]:
    """A layout FeatureCollection (WGS84) with the engine's property contract.

    Local metric frame (origin at ORIGIN_LONLAT): boundary is an L-shape 800 m × 600 m minus a
    300 m × 250 m corner, written clockwise on purpose (the GeoJSON writer must re-orient it).
    """
    features: list[dict[str, Any]] = []
    boundary = Polygon([(0, 0), (0, 600), (500, 600), (500, 350), (800, 350), (800, 0)])  # clockwise
    features.append({"type": "Feature", "geometry": _wgs(boundary), "properties": {"kind": "boundary"}})
    if exclusion:
        wetland = box(600, 100, 700, 180)
        features.append(
            {
                "type": "Feature",
                "geometry": _wgs(wetland),
                "properties": {
                    "kind": "exclusion",
                    "zone_type": "wetland",
                    "buffer_m": 20.0,
                    "name": "Creek wetland",
                },
            }
        )
    features.append({"type": "Feature", "geometry": _wgs(Point(0, 300)), "properties": {"kind": "entry"}})
    for i in range(n_pv):
        col, row = i % 3, i // 3
        footprint = box(60 + col * 110, 60 + row * 90, 160 + col * 110, 130 + row * 90)
        features.append(
            {
                "type": "Feature",
                "id": f"pv-{i + 1}",
                "geometry": _wgs(footprint),
                "properties": {
                    "kind": "asset",
                    "asset_type": "pv_block",
                    "rotation_deg": 0.0,
                    "capacity_kw": 2200.0,
                    "storage_kwh": 0.0,
                    "elevation_m": 250.0 + i,
                    "slope_deg": 1.5 + 0.5 * i,
                    "pad_elevation_m": 250.0 + i,
                    "cut_m3": 10.0 * (i + 1),
                    "fill_m3": 5.0 * (i + 1),
                },
            }
        )
    for i in range(n_bess):
        footprint = affinity.rotate(box(420 + i * 45, 420, 450 + i * 45, 435), 30.0, origin="centroid")
        features.append(
            {
                "type": "Feature",
                "id": f"bess-{i + 1}",
                "geometry": _wgs(footprint),
                "properties": {
                    "kind": "asset",
                    "asset_type": "bess",
                    "rotation_deg": 30.0,
                    "capacity_kw": 1000.0,
                    "storage_kwh": 4000.0,
                    "elevation_m": 255.5,
                    "slope_deg": 0.8,
                    "pad_elevation_m": 255.0,
                    "cut_m3": 120.0,
                    "fill_m3": 80.0,
                },
            }
        )
    if substation:
        features.append(
            {
                "type": "Feature",
                "id": "sub-1",
                "geometry": _wgs(box(420, 480, 470, 530)),
                "properties": {
                    "kind": "asset",
                    "asset_type": "substation",
                    "rotation_deg": 0.0,
                    "capacity_kw": 0.0,
                    "storage_kwh": 0.0,
                    "elevation_m": 257.0,
                    "slope_deg": 1.1,
                    "pad_elevation_m": 256.5,
                    "cut_m3": 300.0,
                    "fill_m3": 150.0,
                },
            }
        )
    if roads:
        segments = [
            ("spine", LineString([(0, 300), (400, 300), (400, 505), (420, 505)]), 6.0, 4.2),
            ("secondary", LineString([(50, 300), (50, 40), (380, 40)]), 5.0, 3.1),
            ("spur", LineString([(400, 410), (440, 410)]), 4.0, 1.0),
        ]
        for n, (road_class, line, width, grade) in enumerate(segments, start=1):
            features.append(
                {
                    "type": "Feature",
                    "id": f"road-{n}",
                    "geometry": _wgs(line),
                    "properties": {
                        "kind": "road",
                        "road_class": road_class,
                        "width_m": width,
                        "length_m": round(line.length, 3),
                        "max_grade_pct": grade,
                        "cut_m3": 40.0 * n,
                        "fill_m3": 25.0 * n,
                    },
                }
            )
    assets = [f["properties"] for f in features if f["properties"]["kind"] == "asset"]
    road_props = [f["properties"] for f in features if f["properties"]["kind"] == "road"]
    total_kw = sum(a["capacity_kw"] for a in assets)
    metrics = {
        "total_capacity_kw": total_kw,
        "storage_kwh": sum(a["storage_kwh"] for a in assets),
        "asset_count": len(assets),
        "counts_by_type": dict(Counter(a["asset_type"] for a in assets)),
        "road_length_m": sum(r["length_m"] for r in road_props),
        "cut_volume_m3": sum(x["cut_m3"] for x in [*assets, *road_props]),
        "fill_volume_m3": sum(x["fill_m3"] for x in [*assets, *road_props]),
        "buildable_area_ha": 31.5,
        "capacity_density_kw_per_ha": total_kw / 31.5,
        "target_capacity_kw": PARAMS["target_capacity_kw"],
    }
    return {"type": "FeatureCollection", "metrics": metrics, "features": features}


def make_contours() -> list[LineString]:
    """Three contour lines across the site (WGS84, z = elevation [m])."""
    ox, oy = origin_utm()
    out = []
    for k, z in enumerate((250.0, 255.0, 260.0)):
        y = 100 + 200 * k
        line = LineString([(ox - 20, oy + y, z), (ox + 400, oy + y + 30, z), (ox + 820, oy + y, z)])
        flat = to_wgs84(line, CRS)  # reprojection drops z: put the elevation back
        out.append(LineString([(x, y, z) for x, y in flat.coords]))
    return out


def make_document(
    *,
    site_name: str = "Mesquite Flats Solar",
    layout_id: str = "7f1c2d3e-0000-4000-8000-000000000001",
    with_terrain: bool = True,
    warnings: list[str] | None = None,
    **fc_kwargs: Any,
) -> ExportDocument:
    return ExportDocument(
        feature_collection=make_feature_collection(**fc_kwargs),
        crs=CRS,
        site_name=site_name,
        layout_id=layout_id,
        params=dict(PARAMS),
        warnings=list(WARNINGS if warnings is None else warnings),
        terrain_summary=dict(TERRAIN) if with_terrain else None,
        contours=make_contours() if with_terrain else None,
        created_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
    )


# make_document(**EMPTY): a boundary and nothing placed.
EMPTY: dict[str, Any] = {
    "n_pv": 0,
    "n_bess": 0,
    "substation": False,
    "roads": False,
    "exclusion": False,
    "with_terrain": False,
    "warnings": ["No buildable area left after setbacks and exclusions."],
}


@pytest.fixture
def doc_factory() -> Callable[..., ExportDocument]:
    return make_document


@pytest.fixture
def doc() -> ExportDocument:
    return make_document()


@pytest.fixture
def empty_doc() -> ExportDocument:
    """A layout with a boundary and nothing placed (no assets, roads or exclusions)."""
    return make_document(**EMPTY)


@pytest.fixture
def unicode_doc() -> ExportDocument:
    """A site name with accents, Cyrillic, CJK, quotes and a path separator."""
    return make_document(site_name='Parc «Éole» / Ферма 太陽 "Nord"')


# -- a table-level PV layout (issue 11's contract) --------------------------------------------------
TABLE_L, TABLE_W = 20.0, 4.5  # full table [m]; row-end tables are half as long
PV_ROTATION_DEG = 10.0  # rows turned 10° counter-clockwise from east-west
PV_BLOCKS = {1: (100.0, 100.0), 2: (100.0, 300.0), 3: (450.0, 100.0)}  # block -> origin (local m)


def pv_table_features() -> list[dict[str, Any]]:
    """PV tables in blocks 1-2 (fixed, two sizes) and trackers in block 3, each with its power station."""
    features: list[dict[str, Any]] = []
    n = 0
    for block, (bx, by) in PV_BLOCKS.items():
        asset_type = "tracker" if block == 3 else "pv_table"
        for row in range(4):
            for col in range(3):
                length = TABLE_L / 2 if col == 2 else TABLE_L
                x = bx + col * (TABLE_L + 2)
                rect = box(x, by + row * 12, x + length, by + row * 12 + TABLE_W)
                rect = affinity.rotate(rect, PV_ROTATION_DEG, origin=(bx, by))
                n += 1
                modules = 28 if length == TABLE_L else 14
                features.append(
                    {
                        "type": "Feature",
                        "id": f"table-{n}",
                        "geometry": _wgs(rect),
                        "properties": {
                            "kind": "asset",
                            "asset_type": asset_type,
                            "capacity_kw": 0.0,
                            "dc_kwp": modules * 0.58,
                            "modules": modules,
                            "structure": "tracker" if block == 3 else "fixed",
                            "tilt_deg": None if block == 3 else 25.0,
                            "azimuth_deg": 0.0 if block == 3 else 180.0,
                            "block": block,
                            "slope_along_pct": 1.0 + 0.1 * row,
                            "slope_across_pct": 2.0 + 0.1 * col,
                            "piles": 8 if length == TABLE_L else 4,
                            "cut_m3": 0.5 * row,
                            "fill_m3": 0.25 * col,
                        },
                    }
                )
        ps = affinity.rotate(box(bx - 20, by, bx - 12, by + 6), PV_ROTATION_DEG, origin=(bx, by))
        features.append(
            {
                "type": "Feature",
                "id": f"ps-{block}",
                "geometry": _wgs(ps),
                "properties": {
                    "kind": "asset",
                    "asset_type": "power_station",
                    "capacity_kw": 250.0,
                    "block": block,
                },
            }
        )
    # A table from an older layout: none of the new properties.
    features.append(
        {
            "type": "Feature",
            "id": "table-legacy",
            "geometry": _wgs(box(300, 500, 320, 504.5)),
            "properties": {"kind": "asset", "asset_type": "pv_table", "capacity_kw": 12.0},
        }
    )
    return features


def make_pv_document(*, with_terrain: bool = True, use_terrain: bool = True) -> ExportDocument:
    fc = make_feature_collection(n_pv=0, n_bess=1)
    fc["features"].extend(pv_table_features())
    fc["features"].append(
        {
            "type": "Feature",
            "id": "road-steep",
            "geometry": _wgs(LineString([(700, 400), (760, 560)])),
            "properties": {
                "kind": "road",
                "road_class": "spur",
                "width_m": 4.0,
                "length_m": 170.9,
                "max_grade_pct": 18.0,
                "compliant": False,
            },
        }
    )
    fence = Polygon([(80, 80), (380, 80), (380, 380), (80, 380)])
    fc["features"].append(
        {
            "type": "Feature",
            "id": "fence-1",
            "geometry": _wgs(fence.exterior),
            "properties": {"kind": "fence"},
        }
    )
    fc["features"].append(
        {"type": "Feature", "id": "gate-1", "geometry": _wgs(Point(80, 300)), "properties": {"kind": "gate"}}
    )
    tables = [
        f["properties"]
        for f in fc["features"]
        if f["properties"].get("asset_type") in ("pv_table", "tracker")
    ]
    fc["metrics"].update(
        {
            "total_capacity_kw": 750.0,
            "dc_capacity_kwp": sum(t.get("dc_kwp") or 0.0 for t in tables),
            "dc_ac_ratio": 1.3,
            "module_count": sum(t.get("modules") or 0 for t in tables),
            "table_count": len(tables),
            "structure": "fixed",
            "gcr": 0.4,
            "pitch_m": 12.0,
            "tilt_deg": 25.0,
            "azimuth_deg": 180.0,
            "block_count": 3,
            "usable_area_ha": 40.0,
            "buildable_area_ha": 30.0,
            "dem_source": "file" if use_terrain else "flat",
            "dem_resolution_m": 10.0,
            "dem_native_resolution_m": 92.8 if use_terrain else None,
            "dem_resolution_label": "10 m grid resampled from ≈ 93 m source" if use_terrain else "10 m grid",
            "terrain_assessed": use_terrain,
        }
    )
    params = {**PARAMS, "use_terrain": use_terrain, "profile": "solar_farm"}
    return ExportDocument(
        feature_collection=fc,
        crs=CRS,
        site_name="Block Test Solar",
        layout_id="7f1c2d3e-0000-4000-8000-0000000000pv",
        params=params,
        warnings=[],
        terrain_summary=dict(TERRAIN) if with_terrain else None,
        contours=make_contours() if with_terrain else None,
        created_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
    )


@pytest.fixture
def pv_doc() -> ExportDocument:
    return make_pv_document()


# -- a real engine PV layout with its electrical design, energy and cost (issues 12 and 13) --------

DESIGN_PRICE_USD_PER_MWH = 50.0


def _design_result(clearsky: bool) -> tuple[Any, Any, Any]:
    from pathlib import Path

    import pvlib

    from app.config import Settings
    from app.dem.base import grid_spec_for
    from app.dem.flat import FlatSource
    from app.engine.core.types import LayoutParams, SiteInput
    from app.engine.layout import generate_layout
    from app.pipeline.yield_cost import with_energy_and_cost
    from app.weather.service import read_weather_file

    site = SiteInput(boundary=box(-99.50, 31.00, -99.495, 31.005))  # ≈ 477 × 554 m, ≈ 26 ha
    params = LayoutParams(target_capacity_kw=5_000, use_terrain=False, dem_resolution_m=10)
    grid = FlatSource().fetch(grid_spec_for(site.boundary, 10))
    result = generate_layout(site, grid, params)
    if clearsky:
        # Offline clear-sky fallback (no file, no PVGIS): an upper bound, never a P50.
        settings, weather = Settings(weather_source="clearsky"), None
    else:
        settings = Settings()
        weather = read_weather_file(Path(pvlib.__file__).parent / "data" / "723170TYA.CSV")
    priced = with_energy_and_cost(
        result,
        site_id="design-exports",
        site=site,
        settings=settings,
        storage=None,
        weather=weather,
        cost={"price_usd_per_mwh": DESIGN_PRICE_USD_PER_MWH},
    )
    return site, params, priced


def _design_document(clearsky: bool) -> ExportDocument:
    from app.exports.build import document_from_result

    site, params, result = _design_result(clearsky)
    return document_from_result(
        site=site,
        result=result,
        params=params,
        site_name="Designed PV",
        layout_id="clear-sky" if clearsky else "tmy",
        created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )


@pytest.fixture(scope="session")
def design_doc() -> ExportDocument:
    """A 5 MWac engine PV layout with electrical design, BOM, TMY3 energy (pvlib's 723170TYA.CSV)
    and cost (price 50 USD/MWh, so NPV is present)."""
    return _design_document(clearsky=False)


@pytest.fixture(scope="session")
def clearsky_doc() -> ExportDocument:
    """The same plant simulated on the offline clear-sky year (labelled an upper bound)."""
    return _design_document(clearsky=True)
