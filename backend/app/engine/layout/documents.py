"""Stages 12-13: the PV and electrical design documents with their features and metrics, then
constructability (can the plant be built as drawn?)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from app.engine.civil.collectors import block_sinks, collector_features, collector_metrics
from app.engine.civil.constructability import constructability
from app.engine.civil.zones import CrossingSite
from app.engine.core.crs import WGS84, reproject_many
from app.engine.core.geojson import lines_from_geojson
from app.engine.electrical.bom import SiteExtras
from app.engine.electrical.design import design_electrical
from app.engine.electrical.routes import CableLimits
from app.engine.layout.civil import gen_tie_feature, gen_tie_quantities
from app.engine.layout.context import PlantState, Report, SiteFrame, access_entries, access_tol_m
from app.engine.layout.outputs import AssetOutputs, parcel_ha
from app.engine.pv.outputs import cable_features, electrical_metrics, fence_features, pv_document, pv_metrics
from app.engine.pv.plant import PvLayout


@dataclass(kw_only=True)
class Documents:
    """The design document (PV plants: `pv`, `electrical`, `bom`, `constructability`), the extra
    map features (fences, cables, trenches, gen-tie, crossings; WGS84), and the cables and
    single-line diagram the constructability checks read."""

    design: dict[str, Any] = field(default_factory=dict)
    extras: list[dict[str, Any]] = field(default_factory=list)
    cables: list[dict[str, Any]] = field(default_factory=list)
    single_line: list[dict[str, Any]] = field(default_factory=list)
    # The cables' geometries (UTM), built once for the map features and the constructability check.
    cable_lines: list[Any] | None = None


def design_plant_documents(
    frame: SiteFrame,
    state: PlantState,
    out: AssetOutputs,
    crossings: list[CrossingSite],
    total_kw: float,
    metrics: dict[str, Any],
    report: Report,
) -> Documents:
    """Stage 12: the PV document and metrics, the electrical design (`design_electrical`: strings,
    DC / LV / MV cables, BOM with the site's fence, gates, earthwork and crossings), the gen-tie,
    collector tie (with their BOM entries) and crossing features. Adds to `metrics`."""
    pv, crs = state.pv, frame.crs
    docs = Documents()
    if pv is not None:
        metrics.update(pv_metrics(pv, state.fencing, parcel_ha(frame)))
        metrics["pv_capacity_kw"] = pv.plant.ac_kw
        docs.design["pv"] = pv_document(pv)
        docs.extras = fence_features(state.fencing, crs)
        if pv.plant.tables and pv.plant.blocks and state.hub_index is not None:
            report("designing_electrical", 92.0)
            _electrical(frame, state, pv, out, crossings, total_kw, metrics, docs)
    if state.gen_tie is not None:
        docs.extras = [*docs.extras, gen_tie_feature(state.gen_tie, crs, total_kw)]
    if state.collectors:
        plant = pv.plant if pv is not None else None
        docs.extras += collector_features(state.collectors, crs, plant)
        metrics.update(collector_metrics(state.collectors, plant, docs.design))
    if crossings:
        pts = reproject_many([c.point for c in crossings], crs, WGS84)
        docs.extras += [
            {"kind": "crossing", "geometry": g, "properties": c.properties()}
            for g, c in zip(pts, crossings, strict=True)
        ]
    metrics["crossing_count"] = len(crossings)
    metrics["crossing_cost_usd"] = round(sum(c.cost_usd for c in crossings), 2)
    return docs


def _electrical(
    frame: SiteFrame,
    state: PlantState,
    pv: PvLayout,
    out: AssetOutputs,
    crossings: list[CrossingSite],
    total_kw: float,
    metrics: dict[str, Any],
    docs: Documents,
) -> None:
    """The electrical design of the PV plant into `docs` (design, BOM with the gen-tie, cable
    features) and its metrics into `metrics`."""
    assert state.hub_centre is not None
    roads = state.roads
    electrical = design_electrical(
        pv.plant,
        roads,
        state.hub_centre,
        frame.params.electrical,
        SiteExtras(
            fence_m=state.fencing.length_m,
            gates=len(state.fencing.gates),
            road_cut_m3=float(sum(r.cut_m3 for r in roads)),
            road_fill_m3=float(sum(r.fill_m3 for r in roads)),
            pad_cut_m3=out.pad_cut_m3,
            pad_fill_m3=out.pad_fill_m3,
            crossings=tuple(sorted(Counter((c.zone_type, c.rule) for c in crossings).items())),
        ),
        collected=state.collected,
        keep_out=CableLimits(frame.boundary, [z.geometry for z in frame.zones]).blocks,
        collectors=[c.centre for c in state.collectors],
        block_sink=block_sinks([b.station for b in pv.plant.blocks], state.collectors),
    )
    doc = electrical.to_document()
    docs.design["electrical"] = doc["electrical"]
    docs.design["bom"] = {
        **doc["bom"],
        "gen_tie": gen_tie_quantities(
            state.gen_tie, total_kw, has_point=frame.site.interconnection_point is not None
        ),
    }
    docs.cables = doc.get("cables", []) + doc.get("trenches", [])
    docs.single_line = doc["electrical"].get("single_line", [])
    state.warnings.extend(_long_feeders(docs.single_line, electrical.params.mv_max_feeder_m))
    docs.cable_lines = lines_from_geojson([c["geometry"] for c in docs.cables])
    docs.extras += cable_features(docs.cables, frame.crs, docs.cable_lines)
    metrics.update(electrical_metrics(doc))


def _long_feeders(single_line: list[dict[str, Any]], limit_m: float) -> list[str]:
    """One warning when MV feeders run longer than `limit_m` [m] although collector substations
    were planned to keep them within it (the collectors' road routes can be longer than the reach
    that placed them): the layout's warnings say so, not only the electrical design's."""
    long = [
        float(f.get("length_m", 0.0)) for f in single_line if float(f.get("length_m", 0.0)) > limit_m + 1.0
    ]
    if not long:
        return []
    return [
        f"{len(long)} MV feeder(s) run longer than the {limit_m:,.0f} m feeder limit (up to "
        f"{max(long):,.0f} m): more conductor and losses than the design rule allows (the electrical "
        "design's warnings name them)"
    ]


def assess_constructability(
    frame: SiteFrame, state: PlantState, crossings: list[CrossingSite], docs: Documents
) -> dict[str, Any]:
    """Stage 13: whether the plant can be built as drawn (`constructability`): access from an
    entry, cable routes, crossings, road grades. Its problems are warned ("not constructable as
    drawn: ..."), so such a plant is never a plain success."""
    pv, zones = state.pv, frame.zones
    tables = pv.plant.tables if pv is not None else ()
    result = constructability(
        roads=state.roads,
        entries=access_entries(frame, state),
        equipment=[c.polygon for c in state.placement.components],
        table_centres=np.asarray([t.centre for t in tables], dtype=float).reshape(-1, 2),
        table_boxes_uv=_boxes_uv(pv),
        table_dc_kwp=[t.dc_kwp for t in tables],
        table_blocks=[t.block for t in tables],
        block_station={b.index: pv.stations[b.index] for b in pv.plant.blocks} if pv is not None else {},
        row_gap_m=(pv.plant.design.pitch_m - pv.plant.design.depth_m) if pv is not None else 0.0,
        cables=docs.cables,
        single_line=docs.single_line,
        boundary=frame.boundary,
        never_zones=[z.geometry for z in zones if not z.crossable],
        crossable_zones=[z.geometry for z in zones if z.crossable],
        crossings=crossings,
        access_tol_m=access_tol_m(frame),
        road_limit_pct=frame.profile.road.max_grade_pct,
        cable_lines=docs.cable_lines,
    )
    state.warnings.extend(f"not constructable as drawn: {p}" for p in result["problems"])
    return result


def _boxes_uv(pv: PvLayout | None) -> np.ndarray:
    """Each table's rectangle in the row frame (n, 4): u_lo, u_hi, v_lo, v_hi [m]."""
    if pv is None or not pv.plant.tables:
        return np.zeros((0, 4))
    n = len(pv.plant.tables)
    xy = shapely.get_coordinates(np.asarray([t.polygon for t in pv.plant.tables], dtype=object))
    u, v = pv.frame.to_frame(xy[:, 0], xy[:, 1])
    u, v = np.asarray(u).reshape(n, -1), np.asarray(v).reshape(n, -1)
    return np.column_stack([u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)])
