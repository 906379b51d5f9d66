"""Stage 11: the layout's assets and roads back in WGS84, and its headline metrics."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from app.engine.civil.earthwork import PadEarthwork
from app.engine.civil.gentie import voltage_class_kv
from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.types import PlacedAsset, PlacedRoad
from app.engine.layout.context import PlantState, SiteFrame
from app.engine.pv.offer import slope_limit_deg
from app.engine.pv.outputs import station_props, table_assets
from app.engine.terrain.areas import area_metrics

# Road section: 150 mm crushed-aggregate base on 150 mm compacted subbase over geotextile, the
# unpaved site-road section of utility PV plants (e.g. US FHWA low-volume road guidance).
ROAD_BUILDUP_DEPTH_M = 0.30


@dataclass(frozen=True)
class AssetOutputs:
    """The layout's assets (WGS84) and the cut / fill of their pads alone, tables excluded [m³]."""

    assets: tuple[PlacedAsset, ...]
    pad_cut_m3: float
    pad_fill_m3: float


def output_assets(frame: SiteFrame, state: PlantState, pads: PadEarthwork) -> AssetOutputs:
    """Every asset in WGS84 (one pyproj call): fixed components and live power stations with
    their pad earthwork (in `state.equipment` order, as `pads`), then the PV tables."""
    crs, pv, placement = frame.crs, state.pv, state.placement
    foot_wgs = reproject_many(state.equipment, crs, WGS84)
    n_comp = len(placement.components)
    st_props = station_props(pv) if pv is not None else []
    st_rot = pv.station_rotation_deg if pv is not None else 0.0
    live_blocks = {b.index for b in pv.plant.blocks} if pv is not None else set()
    station_blocks = [i for i, s in enumerate(pv.stations) if not s.is_empty] if pv is not None else []
    props_by_block = {p["block"] - 1: p for p in st_props}
    assets_list: list[PlacedAsset] = []
    for i, poly in enumerate(foot_wgs):
        if i < n_comp:
            c = placement.components[i]
            asset_type, rot, cap, sto, props = c.asset_type, c.rotation_deg, c.capacity_kw, c.storage_kwh, {}
        else:
            b = station_blocks[i - n_comp]
            if b not in live_blocks:
                continue
            asset_type, rot, cap, sto = "power_station", st_rot, 0.0, 0.0
            props = dict(props_by_block.get(b, {"block": b + 1}))
        assets_list.append(
            PlacedAsset(
                asset_type=asset_type,
                footprint=poly,
                rotation_deg=rot,
                capacity_kw=cap,
                storage_kwh=sto,
                elevation_m=_finite(pads.elevation_m[i]),
                slope_deg=_finite(pads.slope_deg[i]),
                pad_elevation_m=_finite(pads.pad_elevation_m[i]),
                cut_m3=float(pads.cut_m3[i]),
                fill_m3=float(pads.fill_m3[i]),
                properties=props,
            )
        )
    pad_cut = float(sum(a.cut_m3 for a in assets_list))
    pad_fill = float(sum(a.fill_m3 for a in assets_list))
    if pv is not None:
        assets_list.extend(table_assets(pv, crs))
    return AssetOutputs(tuple(assets_list), pad_cut, pad_fill)


def output_roads(frame: SiteFrame, state: PlantState) -> tuple[PlacedRoad, ...]:
    """Every road in WGS84 (one pyproj call) with its class, width [m], length [m], grade [%],
    earthwork [m³] and compliance."""
    road_wgs = reproject_many([r.geometry for r in state.roads], frame.crs, WGS84)
    return tuple(
        PlacedRoad(
            geometry=road_wgs[i],
            road_class=r.road_class,
            width_m=r.width_m,
            length_m=r.length_m,
            max_grade_pct=r.max_grade_pct,
            cut_m3=r.cut_m3,
            fill_m3=r.fill_m3,
            compliant=r.compliant,
        )
        for i, r in enumerate(state.roads)
    )


def layout_metrics(
    frame: SiteFrame,
    state: PlantState,
    assets: tuple[PlacedAsset, ...],
    roads: tuple[PlacedRoad, ...],
    total_kw: float,
) -> dict[str, Any]:
    """The layout's metrics before the PV, electrical and constructability sections: capacity
    [kW], storage [kWh], counts, road lengths [m] / area [m²] / build-up [m³], cut and fill [m³]
    (tables + roads + pads: one figure), parcel [ha], gen-tie, usable / buildable areas."""
    params, profile, pv, pv_design = frame.params, frame.profile, state.pv, frame.pv_design
    gen_limits = {
        name: float(a.max_slope_deg)
        for name, a in profile.asset_types.items()
        if a.generating and name != frame.pv_block
    }
    if pv_design is not None:
        gen_limits["pv"] = slope_limit_deg(pv_design)
    areas = area_metrics(
        frame.usable,
        frame.grid,
        frame.slope,
        gen_limits or None,
        capacity_kw=total_kw,
        dc_capacity_kwp=pv.plant.dc_kwp if pv is not None else None,
    )
    target = params.target_capacity_kw
    return {
        "total_capacity_kw": total_kw,
        "storage_kwh": float(sum(a.storage_kwh for a in assets)),
        "asset_count": len(assets),
        "counts_by_type": dict(sorted(Counter(a.asset_type for a in assets).items())),
        "road_length_m": float(sum(r.length_m for r in roads)),
        "noncompliant_road_m": float(sum(r.length_m for r in roads if not r.compliant)),
        # Road build-up (docs/engine.md): the carriageway's aggregate layers over its whole length.
        "road_area_m2": float(sum(r.length_m * r.width_m for r in roads)),
        "road_buildup_m3": float(sum(r.length_m * r.width_m for r in roads) * ROAD_BUILDUP_DEPTH_M),
        "cut_volume_m3": float(sum(a.cut_m3 for a in assets) + sum(r.cut_m3 for r in roads)),
        "fill_volume_m3": float(sum(a.fill_m3 for a in assets) + sum(r.fill_m3 for r in roads)),
        "parcel_area_ha": parcel_ha(frame),
        # The line to the grid: 0 without an interconnection point (the cost then says so).
        "gen_tie_length_m": state.gen_tie.length_m if state.gen_tie is not None else 0.0,
        "gen_tie_voltage_kv": voltage_class_kv(total_kw),
        **areas,
        "target_capacity_kw": float(target),
        # Placed over target [%]: > 0 over (whole units, warned beyond 5 %), < 0 short (warned).
        "capacity_over_target_pct": 100.0 * (total_kw - target) / target,
    }


def parcel_ha(frame: SiteFrame) -> float:
    """The parcel's area [ha]."""
    return float(frame.boundary.area) / 10_000.0


def _finite(v: float) -> float:
    return float(v) if math.isfinite(v) else 0.0
