"""The PV design as layout outputs: table and power station assets, fence and gate features,
metrics and the design document. Geometries leave in WGS84; areas and lengths are in m / ha."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.geojson import lines_from_geojson
from app.engine.core.types import PlacedAsset
from app.engine.pv.civil import Fencing
from app.engine.pv.plant import PvLayout


def table_assets(layout: PvLayout, crs: str) -> list[PlacedAsset]:
    """One asset per table / tracker (capacity_kw: its share of its block's AC [kW])."""
    plant = layout.plant
    rd = plant.design
    structure = rd.design.structure
    asset_type = "pv_table" if structure == "fixed" else "tracker"
    block_ratio = {b.index: (b.ac_kw / b.dc_kwp if b.dc_kwp > 0 else 0.0) for b in plant.blocks}
    wgs = reproject_many([t.polygon for t in plant.tables], crs, WGS84)
    rotation = rd.row_azimuth_deg % 360.0
    tilt = rd.tilt_deg if structure == "fixed" else None
    azimuth = rd.azimuth_deg
    # Local names for the per-table work (~30,000 tables at 1 GWac): the same calls as before.
    ratio_of, degrees, atan, hypot = block_ratio.get, math.degrees, math.atan, math.hypot
    out = []
    for t, poly in zip(plant.tables, wgs, strict=True):
        along, across = t.slope_along_pct, t.slope_across_pct
        props: dict[str, Any] = {
            "dc_kwp": round(t.dc_kwp, 3),
            "modules": t.modules,
            "structure": structure,
            "tilt_deg": tilt,
            "azimuth_deg": azimuth,
            "block": t.block + 1,
            "slope_along_pct": round(along, 2),
            "slope_across_pct": round(across, 2),
            "piles": t.piles,
            "row": t.row,
            "length_m": round(t.length_m, 2),
        }
        out.append(
            PlacedAsset(
                asset_type=asset_type,
                footprint=poly,
                rotation_deg=rotation,
                capacity_kw=t.dc_kwp * ratio_of(t.block, 0.0),
                storage_kwh=0.0,
                elevation_m=t.elevation_m,
                slope_deg=float(degrees(atan(hypot(along, across) / 100.0))),
                pad_elevation_m=t.elevation_m,
                cut_m3=t.cut_m3,
                fill_m3=t.fill_m3,
                properties=props,
            )
        )
    return out


def station_props(layout: PvLayout) -> list[dict[str, Any]]:
    """Properties of each block's power station, in block order."""
    return [
        {"block": b.index + 1, "ac_kw": round(b.ac_kw, 1), "dc_kwp": round(b.dc_kwp, 1)}
        for b in layout.plant.blocks
    ]


def fence_features(fencing: Fencing, crs: str) -> list[dict[str, Any]]:
    """Fence lines and gate points as extra features (WGS84)."""
    fences = reproject_many(fencing.fences, crs, WGS84)
    gates = reproject_many(fencing.gates, crs, WGS84)
    out: list[dict[str, Any]] = [
        {"kind": "fence", "geometry": g, "properties": {"length_m": round(f.length, 1), "area": i + 1}}
        for i, (g, f) in enumerate(zip(fences, fencing.fences, strict=True))
    ]
    out += [{"kind": "gate", "geometry": g, "properties": {}} for g in gates]
    return out


def pv_metrics(layout: PvLayout, fencing: Fencing, parcel_ha: float) -> dict[str, Any]:
    """The PV metrics of the output contract (kWp, ha, m, counts)."""
    plant = layout.plant
    rd = plant.design
    dc = plant.dc_kwp
    ac = plant.ac_kw
    fenced = fencing.area_ha
    return {
        "dc_capacity_kwp": dc,
        "dc_ac_ratio": dc / ac if ac > 0 else None,
        "module_count": int(sum(t.modules for t in plant.tables)),
        "table_count": len(plant.tables),
        "structure": rd.design.structure,
        "module": rd.design.module.name,
        "module_power_w": rd.design.module.power_w,
        "gcr": rd.gcr,
        "pitch_m": rd.pitch_m,
        "tilt_deg": rd.tilt_deg if rd.design.structure == "fixed" else None,
        "azimuth_deg": rd.azimuth_deg,
        "spacing_rule": rd.spacing_rule,
        "block_count": len(plant.blocks),
        "block_ac_kw": rd.design.block_ac_kw,
        "fenced_area_ha": fenced,
        "fence_length_m": fencing.length_m,
        "gate_count": len(fencing.gates),
        "pile_count": int(sum(t.piles for t in plant.tables)),
        "mwdc_per_ha_fenced": dc / 1000.0 / fenced if fenced > 0 else None,
        "mwdc_per_ha_parcel": dc / 1000.0 / parcel_ha if parcel_ha > 0 else None,
        "pv_offered_kwp": layout.offered_kwp,
    }


def pv_document(layout: PvLayout) -> dict[str, Any]:
    """The PV part of the layout's design document: resolved design and blocks (JSON-ready)."""
    plant = layout.plant
    rd = plant.design
    return {
        "design": rd.design.model_dump(mode="json"),
        "resolved": rd.model_dump(mode="json", exclude={"design"}),
        "blocks": [
            {
                "block": b.index + 1,
                "tables": len(b.tables),
                "dc_kwp": round(b.dc_kwp, 2),
                "ac_kw": round(b.ac_kw, 2),
                "dc_ac_ratio": round(b.dc_kwp / b.ac_kw, 3) if b.ac_kw > 0 else None,
            }
            for b in plant.blocks
        ],
    }


def cable_features(
    features: list[dict[str, Any]], crs: str, lines: Sequence[Any] | None = None
) -> list[dict[str, Any]]:
    """The electrical design's cable and trench features (UTM GeoJSON-like) as extras (WGS84);
    lines: their geometries (UTM) when the caller has built them already."""
    geoms = lines_from_geojson([f["geometry"] for f in features]) if lines is None else list(lines)
    wgs = reproject_many(geoms, crs, WGS84)
    return [
        {
            "kind": f.get("properties", {}).get("kind", "cable"),
            "geometry": g,
            "properties": {k: v for k, v in f.get("properties", {}).items() if k != "kind"},
        }
        for f, g in zip(features, wgs, strict=True)
    ]


def electrical_metrics(doc: dict[str, Any]) -> dict[str, Any]:
    """Headline electrical figures for the metrics (counts, metres of cable and trench, losses [%])."""
    el = doc.get("electrical", {})
    bom = doc.get("bom", {})
    losses = el.get("losses", {})
    stc = losses.get("stc", {})
    annual = losses.get("annual", {})
    cables = bom.get("cables", [])
    trenches = bom.get("trenches", {})
    return {
        "string_count": bom.get("strings", {}).get("count"),
        "modules_per_string": bom.get("strings", {}).get("modules_per_string"),
        "electrical_topology": el.get("topology"),
        "dc_ohmic_loss_pct_stc": stc.get("dc_pct"),
        "mv_loss_pct_stc": stc.get("mv_pct"),
        "transformer_loss_pct_stc": stc.get("transformer_pct"),
        "dc_ohmic_loss_pct_annual": annual.get("dc_ohmic_pct"),
        "mv_loss_pct_annual": annual.get("mv_ohmic_pct"),
        "cable_length_m": float(sum(c.get("cable_m", 0.0) for c in cables))
        if isinstance(cables, list)
        else None,
        "trench_length_m": trenches.get("total_m") if isinstance(trenches, dict) else trenches,
        "power_station_count": bom.get("power_stations", {}).get("count"),
    }
