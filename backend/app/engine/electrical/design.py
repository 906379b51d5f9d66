"""The electrical design of a PV plant, in one call: `design_electrical(plant, roads, substation_xy)`.

Pure: inputs and outputs in the plant's UTM CRS [m]; the caller reprojects the features.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import LineString

from app.engine.electrical.bom import RoadLike, SiteExtras, build_bom
from app.engine.electrical.dc import DcResult, design_dc
from app.engine.electrical.losses import Losses, compute_losses
from app.engine.electrical.mv import MvResult
from app.engine.electrical.mv_sinks import design_mv_to_sinks
from app.engine.electrical.params import ElectricalParams, parse_electrical_params
from app.engine.electrical.stringing import StringPlan, plan_strings
from app.engine.pv.frame import RowFrame
from app.engine.pv.types import PvPlant
from app.errors import InvalidInput


def _polyline_length(points: np.ndarray) -> float:
    """Length of a polyline given as (n, 2) points [m]."""
    if len(points) < 2:
        return 0.0
    return float(np.hypot(*np.diff(points, axis=0).T).sum())


def _coords(points: np.ndarray) -> list[list[float]]:
    out: list[list[float]] = np.round(np.asarray(points, dtype=float), 2).tolist()
    return out


def _xy_lists(frame: RowFrame, uv: np.ndarray, points_per_path: int) -> list[list[list[float]]]:
    """Row-frame points → UTM, rounded to 1 cm, as nested lists of `points_per_path` points."""
    xy = np.round(frame.to_xy(uv), 2).reshape(-1, points_per_path, 2)
    out: list[list[list[float]]] = xy.tolist()
    return out


def _feature(geom_type: str, coords: Any, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": geom_type, "coordinates": coords}, "properties": props}


@dataclass(frozen=True, kw_only=True)
class ElectricalDesign:
    """Everything the electrical design decided (UTM [m]); `to_document()` gives JSON-ready dicts."""

    plant: PvPlant
    params: ElectricalParams
    frame: RowFrame
    plan: StringPlan
    dc: DcResult
    mv: MvResult
    station_kva: tuple[float, ...]
    losses: Losses
    bom: dict[str, Any]
    warnings: tuple[str, ...]

    def cable_features(self) -> list[dict[str, Any]]:
        """Cables as GeoJSON-like features in UTM: kind "cable", circuit, level dc|lv|mv, conductor,
        length_m (route of the run drawn), current_a (STC operating current of one run)."""
        out: list[dict[str, Any]] = []
        dc, fr = self.dc, self.frame
        blocks = self.plant.blocks
        prefix = "CB" if dc.topology == "central" else "INV"
        nd = len(dc.device_strings)
        # One transform and one rounding for all DC paths (each path has 3 points).
        parts = [p for d in range(nd) for p in dc.string_paths_uv[d]]
        n_parts = [len(dc.string_paths_uv[d]) for d in range(nd)]
        string_xy = _xy_lists(fr, np.concatenate(parts) if parts else np.zeros((0, 2)), 3)
        feeder_xy = _xy_lists(fr, dc.feeder_uv.reshape(-1, 2), 3)
        per_block: dict[int, int] = {}
        k = 0
        feeder_level = "dc" if dc.topology == "central" else "lv"
        for d in range(nd):
            # Blocks are numbered from 1 in every output, as the tables' `block` property is.
            b = blocks[int(dc.device_block[d])].index + 1
            per_block[b] = per_block.get(b, 0) + 1
            name = f"B{b}-{prefix}{per_block[b]}"
            out.append(
                _feature(
                    "MultiLineString",
                    string_xy[k : k + n_parts[d]],
                    {
                        "kind": "cable",
                        "circuit": f"{name} strings",
                        "level": "dc",
                        "conductor": dc.string_conductor[d].name,
                        "length_m": round(float(dc.string_route_max_m[d]), 2),
                        "current_a": round(dc.string_current_a, 2),
                        "strings": int(dc.device_strings[d]),
                        "cable_m": round(float(dc.string_cable_m[d]), 1),
                        "block": b,
                    },
                )
            )
            k += n_parts[d]
            out.append(
                _feature(
                    "LineString",
                    feeder_xy[d],
                    {
                        "kind": "cable",
                        "circuit": f"{name} feeder",
                        "level": feeder_level,
                        "conductor": dc.feeder_conductor[d].name,
                        "parallel": int(dc.feeder_parallel[d]),
                        "length_m": round(float(dc.feeder_route_m[d]), 2),
                        "current_a": round(float(dc.feeder_current_a[d]), 2),
                        "drop_pct": round(float(dc.feeder_drop_pct[d]), 3),
                        "block": b,
                    },
                )
            )
        for f in self.mv.feeders:
            for leg in f.legs:
                out.append(
                    _feature(
                        "LineString",
                        _coords(leg.path),
                        {
                            "kind": "cable",
                            "circuit": f"F{f.index + 1}.{leg.index + 1}",
                            "level": "mv",
                            "conductor": leg.conductor.name,
                            "length_m": round(leg.length_m, 2),
                            "current_a": round(leg.current_a, 2),
                            "feeder": f.index + 1,
                        },
                    )
                )
        return out

    def trench_features(self) -> list[dict[str, Any]]:
        """Trenches as GeoJSON-like features in UTM: kind "trench", level dc|mv, length_m."""
        fr = self.frame
        # Every DC aisle (along v) and spine (along u) as a 2-point segment in the row frame,
        # moved to UTM in one call: one call per trench was ≈ 1 s at 1 GWac.
        aisles = np.asarray(self.dc.aisles, dtype=float).reshape(-1, 3)
        spines = np.asarray(self.dc.spines, dtype=float).reshape(-1, 3)
        aisles = aisles[aisles[:, 2] - aisles[:, 1] > 1e-6]
        spines = spines[spines[:, 2] - spines[:, 1] > 1e-6]
        v, u0, u1 = aisles.T
        u, v0, v1 = spines.T
        uv = np.concatenate(
            [
                np.stack([np.column_stack([u0, v]), np.column_stack([u1, v])], axis=1),
                np.stack([np.column_stack([u, v0]), np.column_stack([u, v1])], axis=1),
            ]
        )
        segments = _xy_lists(fr, uv.reshape(-1, 2), 2)
        lengths = [round(d, 2) for d in np.concatenate([u1 - u0, v1 - v0]).tolist()]
        out = [
            _feature("LineString", seg, {"kind": "trench", "level": "dc", "length_m": length})
            for seg, length in zip(segments, lengths, strict=True)
        ]
        for line in self.mv.trench_lines:
            out.append(
                _feature(
                    "LineString",
                    _coords(line),
                    {"kind": "trench", "level": "mv", "length_m": round(_polyline_length(line), 2)},
                )
            )
        return out

    def single_line(self) -> list[dict[str, Any]]:
        """MV single-line summary: per feeder its blocks (substation outwards), MVA, length, loss."""
        blocks = self.plant.blocks
        return [
            {
                "feeder": f.index + 1,
                "blocks": [blocks[b].index + 1 for b in f.blocks],
                "mva": round(f.mva, 3),
                "length_m": round(f.length_m, 1),
                "loss_kw": round(f.loss_w / 1000.0, 3),
                "drop_pct": round(f.drop_pct, 3),
                "conductors": [leg.conductor.name for leg in f.legs],
                "max_current_a": round(max((leg.current_a for leg in f.legs), default=0.0), 2),
            }
            for f in self.mv.feeders
        ]

    def to_document(self, annual_energy_mwh: float | None = None) -> dict[str, Any]:
        """JSON-ready {"electrical": {...}, "bom": {...}, "cables": [...], "trenches": [...]} (UTM)."""
        p, dc, m = self.plan, self.dc, self.plant.design.design.module
        blocks = []
        for i, b in enumerate(self.plant.blocks):
            dc_kwp = float(dc.block_modules[i]) * m.power_w / 1000.0
            ac = float(dc.block_ac_kw[i])
            blocks.append(
                {
                    "block": b.index + 1,
                    "strings": int(dc.block_strings[i]),
                    "modules": int(dc.block_modules[i]),
                    "dc_kwp": round(dc_kwp, 3),
                    "ac_kw": round(ac, 3),
                    "dc_ac_ratio": round(dc_kwp / ac, 4) if ac > 0 else None,
                    "devices": int((dc.device_block == i).sum()),
                }
            )
        return {
            "electrical": {
                "topology": dc.topology,
                "params": self.params.model_dump(),
                "stringing": {
                    "modules_per_string": p.modules_per_string,
                    "min_modules": p.n_min,
                    "max_modules": p.n_max,
                    "string_voc_cold_v": round(p.modules_per_string * p.module_voc_cold_v, 1),
                    "string_vmp_hot_v": round(p.modules_per_string * p.module_vmp_hot_v, 1),
                    "strings": p.count,
                    "strings_per_full_table": round(
                        self.plant.design.design.modules_per_table / p.modules_per_string, 3
                    ),
                },
                "blocks": blocks,
                "single_line": self.single_line(),
                "mv_feeder_capacity_a": round(self.mv.capacity_a, 1),
                "losses": self.losses.to_dict(annual_energy_mwh),
                "warnings": list(self.warnings),
            },
            "bom": self.bom,
            "cables": self.cable_features(),
            "trenches": self.trench_features(),
        }


def dc_collection(plant: PvPlant, prm: ElectricalParams) -> tuple[RowFrame, StringPlan, DcResult]:
    """The row frame, strings and DC / LV collection of `plant` (no MV, no BOM): what the cable
    checks need, cheaply (UTM [m] and the row frame)."""
    # Cables follow the rows as laid on the UTM grid (true azimuth + grid convergence).
    frame = RowFrame(phi_deg=plant.row_grid_azimuth_deg, x0=0.0, y0=0.0)
    centres = np.array([t.centre for t in plant.tables], dtype=float)
    uv = frame.to_uv(centres)
    plan = plan_strings(plant, prm, uv[:, 0], uv[:, 1])
    station_uv = frame.to_uv(np.array([b.station for b in plant.blocks], dtype=float))
    return frame, plan, design_dc(plant, plan, prm, station_uv)


def design_electrical(
    plant: PvPlant,
    roads: Sequence[LineString | RoadLike],
    substation_xy: tuple[float, float],
    params: ElectricalParams | dict[str, Any] | None = None,
    extras: SiteExtras | None = None,
    collected: tuple[RowFrame, StringPlan, DcResult] | None = None,
    keep_out: Callable[[LineString], bool] | None = None,
    collectors: Sequence[tuple[float, float]] = (),
    block_sink: Sequence[int] = (),
) -> ElectricalDesign:
    """Strings, DC / LV collection, MV feeders, losses and the bill of quantities of `plant`.

    roads: road centrelines (LineStrings, or road objects with geometry / road_class / width_m),
    substation_xy: the substation (point of interconnection), all in the plant's UTM CRS [m].
    params: `ElectricalParams` or its fields (validated: `InvalidInput` names a bad one).
    collected: `dc_collection(plant, params)` when the caller has it already (same plant);
    keep_out: where an MV spur may not run (see `design_mv`); collectors: collector substations
    (UTM [m]) and block_sink, per block, 0 for the main substation or k for collectors[k - 1]: the
    block's feeder ends there (`design_mv_to_sinks`).
    """
    prm = params if isinstance(params, ElectricalParams) else parse_electrical_params(params)
    if not plant.tables or not plant.blocks:
        raise InvalidInput("the PV plant has no tables or no inverter blocks to design the electrics for")
    frame, plan, dc = collected if collected is not None else dc_collection(plant, prm)
    station_kva = tuple(float(a) / prm.power_factor for a in dc.block_ac_kw)
    lines = [r if isinstance(r, LineString) else r.geometry for r in roads]
    mv = design_mv_to_sinks(
        lines,
        [substation_xy, *collectors],
        list(block_sink) if collectors else [0] * len(plant.blocks),
        [b.station for b in plant.blocks],
        [b.access for b in plant.blocks],
        station_kva,
        prm,
        keep_out,
    )
    dc_kwp = float(dc.block_modules.sum()) * plant.design.design.module.power_w / 1000.0
    losses = compute_losses(
        dc_kwp=dc_kwp,
        ac_kw=float(dc.block_ac_kw.sum()),
        string_w=float(dc.string_loss_w.sum()),
        dc_feeder_w=float(dc.feeder_loss_w.sum()) if prm.topology == "central" else 0.0,
        lv_ac_w=float(dc.feeder_loss_w.sum()) if prm.topology == "string" else 0.0,
        mv_w=float(sum(f.loss_w for f in mv.feeders)),
        transformer_kva=float(sum(station_kva)),
        no_load_pct=prm.transformer_no_load_pct,
        load_loss_pct=prm.transformer_load_loss_pct,
        annual_factor=prm.annual_loss_factor,
    )
    ex = extras or SiteExtras(
        road_cut_m3=float(sum(getattr(r, "cut_m3", 0.0) for r in roads)),
        road_fill_m3=float(sum(getattr(r, "fill_m3", 0.0) for r in roads)),
    )
    bom = build_bom(plant, plan, dc, mv, roads, station_kva, ex)
    return ElectricalDesign(
        plant=plant,
        params=prm,
        frame=frame,
        plan=plan,
        dc=dc,
        mv=mv,
        station_kva=station_kva,
        losses=losses,
        bom=bom,
        warnings=tuple(plan.warnings + dc.warnings + mv.warnings),
    )
