"""DC side and LV collection inside each inverter block, in the row frame [m].

Routes: strings run from their table along the structure to the aisle between a pair of rows, then
along that aisle to their combiner box (`central`) or string inverter (`string`), which sits in
the aisle at the middle of its strings. From there the DC feeder (or LV AC cable) runs along the
aisle to the block's spine trench — a trench across the rows through the power station (it
crosses each row at right angles, under the modules or in the gap at the tracker ends) — and
along the spine to the station. Every route is therefore axis-aligned in the row frame and never
crosses a table diagonally. Trench metres are the union of the aisle and spine intervals used.

Sizing currents: DC circuits 1.25 × 1.25 × Isc (NEC 690.8(A)(1) and (B)); LV AC 1.25 × rated
inverter current (continuous load). Voltage drops and STC losses use Imp (DC) or the AC current
at the inverter's STC output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from app.engine.electrical.conductors import AL_LV, PV_STRING_CU, Conductor
from app.engine.electrical.params import ElectricalParams
from app.engine.electrical.sizing import size_circuits
from app.engine.electrical.stringing import StringPlan
from app.engine.pv.modules import ModuleSpec
from app.engine.pv.types import PvPlant

DC_SIZING_FACTOR = 1.25 * 1.25
AC_CONTINUOUS_FACTOR = 1.25
SQRT3 = math.sqrt(3.0)
# Strings in one aisle whose tables' centres stand more than a table length plus this apart along
# the rows [m] (more than an access corridor or a road between them) go to separate devices.
AISLE_SPLIT_M = 40.0


@dataclass(frozen=True, kw_only=True)
class DcResult:
    """Devices and circuits inside the blocks. Positions in the row frame [m]; one row per device.

    device_kind: "combiner" | "string_inverter"; device_uv; device_block; device_strings;
    device_ac_kw (string inverters, rating; 0 for combiners). string_*: the strings of each
    device (longest route [m], total cable [m] of + and − conductors, conductor, STC loss [W],
    operating current per string [A]); string_route_max_uv: path of the longest string route.
    feeder_*: the device's DC feeder / LV AC cable to the station (route [m], conductor,
    parallel runs, current [A], single-core cable [m], STC loss [W], drop [%]); feeder_uv: its
    path (3 points). Trenches: aisle (v, u0, u1) and spine (u, v0, v1) intervals [m].
    block_ac_kw / block_strings / block_modules: per block as built (index = plant.blocks order).
    """

    topology: str
    device_kind: str
    device_uv: np.ndarray
    device_block: np.ndarray
    device_strings: np.ndarray
    device_ac_kw: np.ndarray
    string_route_max_m: np.ndarray
    string_cable_m: np.ndarray
    string_conductor: list[Conductor]
    string_loss_w: np.ndarray
    string_current_a: float
    string_paths_uv: list[list[np.ndarray]]
    structure_m: float
    feeder_route_m: np.ndarray
    feeder_conductor: list[Conductor]
    feeder_parallel: np.ndarray
    feeder_current_a: np.ndarray
    feeder_cable_m: np.ndarray
    feeder_loss_w: np.ndarray
    feeder_drop_pct: np.ndarray
    feeder_uv: np.ndarray
    aisles: np.ndarray
    spines: np.ndarray
    block_ac_kw: np.ndarray
    block_strings: np.ndarray
    block_modules: np.ndarray
    warnings: list[str] = field(default_factory=list)
    # Per string (in device order): its position (u, v) [m], its device, its table (plant index).
    string_uv: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    string_device: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    string_table: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def trench_m(self) -> float:
        """DC / LV trench length [m]: aisles plus spines."""
        a = float(np.abs(self.aisles[:, 2] - self.aisles[:, 1]).sum()) if len(self.aisles) else 0.0
        s = float(np.abs(self.spines[:, 2] - self.spines[:, 1]).sum()) if len(self.spines) else 0.0
        return a + s


def _group_index(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of sorted keys and the start of each id's run."""
    change = np.ones(len(keys), dtype=bool)
    change[1:] = keys[1:] != keys[:-1]
    ids = np.cumsum(change) - 1
    return ids, np.flatnonzero(change)


def design_dc(plant: PvPlant, plan: StringPlan, params: ElectricalParams, station_uv: np.ndarray) -> DcResult:
    """Combiner boxes or string inverters, their string circuits and feeders, block by block.

    station_uv: (n_blocks, 2) power station positions in the row frame [m]."""
    module = plant.design.design.module
    nb = len(plant.blocks)
    warnings: list[str] = []
    st = _paired_strings(plant, plan, station_uv, warnings)
    dev = _devices(plant, params, st)
    sc = _string_circuits(module, params, st, dev, warnings)
    fd = _feeders(module, params, st, dev, station_uv, warnings)
    aisles, spines = _trenches(st, station_uv, nb)
    block_strings = np.bincount(st.block, minlength=nb)
    block_modules = np.bincount(st.block, weights=st.modules, minlength=nb).astype(np.int64)
    if params.topology == "central":
        block_ac = np.array([b.ac_kw for b in plant.blocks], dtype=float)
    else:
        block_ac = np.bincount(dev.block, weights=fd.device_ac_kw, minlength=nb)
    return DcResult(
        topology=params.topology,
        device_kind=dev.kind,
        device_uv=np.stack([dev.u, dev.v], axis=1),
        device_block=dev.block,
        device_strings=dev.count,
        device_ac_kw=fd.device_ac_kw,
        string_route_max_m=sc.route_max_m,
        string_cable_m=sc.cable_m,
        string_conductor=[PV_STRING_CU[i] for i in sc.choice],
        string_loss_w=sc.loss_w,
        string_current_a=module.imp_a,
        string_paths_uv=sc.paths_uv,
        structure_m=sc.structure_m,
        feeder_route_m=fd.route_m,
        feeder_conductor=[AL_LV[i] for i in fd.choice],
        feeder_parallel=fd.parallel,
        feeder_current_a=fd.current_a,
        feeder_cable_m=fd.conductors_per_run * fd.parallel * fd.route_m,
        feeder_loss_w=fd.loss_w,
        feeder_drop_pct=fd.drop_pct,
        feeder_uv=fd.uv,
        aisles=aisles,
        spines=spines,
        block_ac_kw=block_ac,
        block_strings=block_strings,
        block_modules=block_modules,
        warnings=warnings,
        string_uv=np.stack([st.u, st.v], axis=1),
        string_device=dev.index,
        string_table=st.table,
    )


@dataclass(frozen=True, kw_only=True)
class _Strings:
    """The strings on tables with a block, sorted by aisle pair (two rows sharing one aisle) and
    then along the row: block (position in plant.blocks), row, table, position u, v [m], modules;
    pair (dense id) and each pair's first string, block and aisle position v [m]."""

    block: np.ndarray
    row: np.ndarray
    table: np.ndarray
    u: np.ndarray
    v: np.ndarray
    modules: np.ndarray
    pair: np.ndarray
    pair_start: np.ndarray
    pair_block: np.ndarray
    aisle_v: np.ndarray


def _paired_strings(
    plant: PvPlant, plan: StringPlan, station_uv: np.ndarray, warnings: list[str]
) -> _Strings:
    """The plan's strings grouped into aisle pairs; strings on tables with no block are warned and
    left out. A pair's aisle is the mean of its two rows' v; a lone row's is half a pitch from it
    towards the station."""
    nb = len(plant.blocks)
    ids = np.array([b.index for b in plant.blocks], dtype=np.int64)
    lut = np.full(int(max(ids.max(), plan.string_block.max(initial=0))) + 2, -1, dtype=np.int64)
    lut[ids] = np.arange(nb)
    sb = np.where(plan.string_block >= 0, lut[np.maximum(plan.string_block, 0)], -1)
    if (sb < 0).any():
        warnings.append(f"{int((sb < 0).sum())} strings sit on tables with no inverter block; left out")
    keep = sb >= 0
    sb, row, stab = sb[keep], plan.string_row[keep], plan.string_table[keep]
    su, sv, smod = plan.string_u[keep], plan.string_v[keep], plan.string_modules[keep]

    # Pairs of neighbouring rows of a block share one aisle; a row whose neighbour is not in the
    # block (a block in pieces, a gap in the field) gets an aisle of its own.
    row0 = row - (row.min() if len(row) else 0)
    span = int(row0.max(initial=0)) + 1
    br, br_inv = np.unique(sb * span + row0, return_inverse=True)
    br_inv = br_inv.reshape(-1)
    br_v = np.bincount(br_inv, weights=sv, minlength=len(br)) / np.maximum(
        np.bincount(br_inv, minlength=len(br)), 1
    )
    pair_of_br = _row_pairs(br // span, br % span, br_v, 1.5 * plant.design.pitch_m)
    # Within an aisle, strings whose tables stand apart by more than a table and `AISLE_SPLIT_M`
    # along the rows (a gap between two pieces) go to separate devices: no route spans the gap.
    pre = np.lexsort((su, pair_of_br[br_inv]))
    pk, su_sorted = pair_of_br[br_inv][pre], su[pre]
    seg = np.ones(len(pre), dtype=bool)
    seg[1:] = (pk[1:] != pk[:-1]) | (su_sorted[1:] - su_sorted[:-1] > plant.design.length_m + AISLE_SPLIT_M)
    pair_key = np.empty(len(pre), dtype=np.int64)
    pair_key[pre] = np.cumsum(seg) - 1
    order = np.lexsort((su, pair_key))
    stab = stab[order]
    sb, row, su, sv, smod, pair_key = (
        sb[order],
        row[order],
        su[order],
        sv[order],
        smod[order],
        pair_key[order],
    )
    pair_id, pair_start = _group_index(pair_key)
    n_pairs = len(pair_start)
    pair_block = sb[pair_start]

    # Aisle between the pair's rows: mean of the two rows' v (one row: half a pitch towards the station).
    pr, pr_inv = np.unique(pair_id * span + (row - (row.min() if len(row) else 0)), return_inverse=True)
    pr_inv = pr_inv.reshape(-1)
    row_mean_v = np.bincount(pr_inv, weights=sv) / np.maximum(np.bincount(pr_inv), 1)
    row_pair = pr // span
    rows_in_pair = np.bincount(row_pair, minlength=n_pairs)
    aisle_v = np.bincount(row_pair, weights=row_mean_v, minlength=n_pairs) / np.maximum(rows_in_pair, 1)
    single = rows_in_pair == 1
    towards = np.sign(station_uv[pair_block, 1] - aisle_v)
    towards[towards == 0] = 1.0
    aisle_v = np.where(single, aisle_v + towards * plant.design.pitch_m / 2.0, aisle_v)
    return _Strings(
        block=sb,
        row=row,
        table=stab,
        u=su,
        v=sv,
        modules=smod,
        pair=pair_id,
        pair_start=pair_start,
        pair_block=pair_block,
        aisle_v=aisle_v,
    )


def _row_pairs(block: np.ndarray, row: np.ndarray, v: np.ndarray, max_dv_m: float) -> np.ndarray:
    """Aisle-pair id per (block, row), sorted by block then row: two rows pair only when they are
    neighbours in the same block (row numbers differ by one, and their mean positions across the
    rows `v` by at most `max_dv_m` [m]); otherwise the row is alone."""
    pair = np.zeros(len(block), dtype=np.int64)
    cur = -1
    open_ = False  # the current pair holds one row and may take a neighbour
    for i in range(len(block)):
        if open_ and block[i] == block[i - 1] and row[i] != row[i - 1] and abs(v[i] - v[i - 1]) <= max_dv_m:
            pair[i] = cur
            open_ = False
            continue
        cur += 1
        pair[i] = cur
        open_ = True
    return pair


@dataclass(frozen=True, kw_only=True)
class _Devices:
    """Combiner boxes or string inverters: kind; per string its device (`index`); per device its
    first string (`start`), string count, block and position u, v [m] in the aisle."""

    kind: str
    index: np.ndarray
    start: np.ndarray
    count: np.ndarray
    block: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @property
    def n(self) -> int:
        return len(self.count)


def _devices(plant: PvPlant, params: ElectricalParams, st: _Strings) -> _Devices:
    """Devices per aisle pair, its strings split evenly along the aisle: `strings_per_combiner`
    (central) or as many strings as fill a string inverter at the DC/AC ratio (string topology)."""
    design = plant.design.design
    string_kwp = st.modules * design.module.power_w / 1000.0
    if params.topology == "central":
        per_device = params.strings_per_combiner
        kind = "combiner"
    else:
        mean_kwp = float(string_kwp.mean()) if len(string_kwp) else 1.0
        target = round(params.string_inverter_ac_kw * design.dc_ac_ratio / mean_kwp)
        per_device = max(1, min(params.string_inverter_max_strings, target))
        kind = "string_inverter"
    pair_id, pair_start = st.pair, st.pair_start
    n_pairs = len(pair_start)
    n_in_pair = np.bincount(pair_id, minlength=n_pairs)
    dev_in_pair = np.ceil(n_in_pair / per_device).astype(np.int64)
    dev_offset = np.concatenate([[0], np.cumsum(dev_in_pair)])
    rank_in_pair = np.arange(len(pair_id)) - pair_start[pair_id]
    dev = dev_offset[pair_id] + (rank_in_pair * dev_in_pair[pair_id]) // np.maximum(n_in_pair[pair_id], 1)
    nd = int(dev_offset[-1])
    _dev_id, dev_start = _group_index(dev)
    dev_count = np.bincount(dev, minlength=nd)
    dev_pair = pair_id[dev_start]
    return _Devices(
        kind=kind,
        index=dev,
        start=dev_start,
        count=dev_count,
        block=st.pair_block[dev_pair],
        u=st.u[dev_start + dev_count // 2],
        v=st.aisle_v[dev_pair],
    )


@dataclass(frozen=True, kw_only=True)
class _StringCircuits:
    """Per device: the conductor chosen (index into PV_STRING_CU), the longest string route [m],
    the + and − cable [m], the STC loss [W] and the paths of its first and last strings (u, v);
    and the cable run along the structures [m]."""

    choice: np.ndarray
    route_max_m: np.ndarray
    cable_m: np.ndarray
    loss_w: np.ndarray
    paths_uv: list[list[np.ndarray]]
    structure_m: float


def _string_circuits(
    module: ModuleSpec, params: ElectricalParams, st: _Strings, dev: _Devices, warnings: list[str]
) -> _StringCircuits:
    """String circuits: table → aisle → device, + and − conductors, sized by the drop limit
    (`vdrop_string_pct`) on each device's longest route (over the limit: warned)."""
    d_of, nd, dev_start = dev.index, dev.n, dev.start
    su, sv = st.u, st.v
    route = np.abs(sv - dev.v[d_of]) + np.abs(su - dev.u[d_of])
    drop_leg = np.abs(sv - dev.v[d_of])
    route_max = np.maximum.reduceat(route, dev_start) if nd else np.zeros(0)
    vmp_stc = st.modules * module.vmp_v
    s_choice, _, s_ok = size_circuits(
        PV_STRING_CU,
        i_size_a=np.full(nd, DC_SIZING_FACTOR * module.isc_a),
        i_op_a=np.full(nd, module.imp_a),
        route_m=route_max,
        drop_factor=2.0,
        v_nominal_v=np.minimum.reduceat(vmp_stc, dev_start) if nd else np.zeros(0),
        limit_pct=params.vdrop_string_pct,
        temp_c=params.conductor_temp_c,
        max_parallel=1,
    )
    if nd and not s_ok.all():
        warnings.append(
            f"{int((~s_ok).sum())} string groups exceed the {params.vdrop_string_pct}% drop limit"
        )
    r_string = _per_choice(PV_STRING_CU, s_choice, params.conductor_temp_c)
    string_cable = 2.0 * np.bincount(d_of, weights=route, minlength=nd)
    # Each device's first and last string's path (string → aisle → device), all at once; a device
    # with one string has one path. The set keeps the order the paths always came in.
    first = np.asarray(dev_start, dtype=np.int64)[:nd]
    last = first + np.asarray(dev.count, dtype=np.int64)[:nd] - 1
    ends = [_string_paths(su, sv, dev.u[:nd], dev.v[:nd], k) for k in (first, last)]
    paths: list[list[np.ndarray]] = [
        [ends[0][d] if s == a else ends[1][d] for s in {a, c}]
        for d, (a, c) in enumerate(zip(first.tolist(), last.tolist(), strict=True))
    ]
    return _StringCircuits(
        choice=s_choice,
        route_max_m=route_max,
        cable_m=string_cable,
        loss_w=module.imp_a**2 * r_string * string_cable,
        paths_uv=paths,
        structure_m=float(2.0 * drop_leg.sum()),
    )


def _string_paths(
    su: np.ndarray, sv: np.ndarray, du: np.ndarray, dv: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """Per device d, string s[d]'s path (3, 2): the string, its aisle point, the device (row
    frame [m])."""
    out: np.ndarray = np.stack(
        [np.stack([su[s], sv[s]], 1), np.stack([su[s], dv], 1), np.stack([du, dv], 1)], axis=1
    ).astype(float)
    return out


def _per_choice(catalogue: Sequence[Conductor], choice: np.ndarray, temp_c: float) -> np.ndarray:
    """Resistance [Ω/m] at `temp_c` of each circuit's conductor (`choice`: index into
    `catalogue`), worked out once per conductor in use."""
    r = {i: catalogue[i].r_ohm_per_m(temp_c) for i in set(np.asarray(choice).tolist())}
    return np.array([r[i] for i in np.asarray(choice).tolist()])


@dataclass(frozen=True, kw_only=True)
class _Feeders:
    """Per device: its rating [kW AC] (0 for combiners), feeder route [m], conductor (index into
    AL_LV), parallel runs, current [A], STC loss [W], drop [%] and path (3 points, u, v); the
    conductors per run (2 DC, 3 LV AC)."""

    device_ac_kw: np.ndarray
    route_m: np.ndarray
    choice: np.ndarray
    parallel: np.ndarray
    current_a: np.ndarray
    loss_w: np.ndarray
    drop_pct: np.ndarray
    uv: np.ndarray
    conductors_per_run: int


def _feeders(
    module: ModuleSpec,
    params: ElectricalParams,
    st: _Strings,
    dev: _Devices,
    station_uv: np.ndarray,
    warnings: list[str],
) -> _Feeders:
    """Feeders: device → along the aisle → spine at the station's u → station; DC from a combiner
    (`vdrop_dc_feeder_pct`) or LV AC from a string inverter (`vdrop_lv_ac_pct`), sized in
    aluminium with up to `max_parallel` runs (over the limit: warned)."""
    nd, dev_start = dev.n, dev.start
    dev_u, dev_v = dev.u, dev.v
    stn = station_uv[dev.block]
    f_route = np.abs(dev_u - stn[:, 0]) + np.abs(dev_v - stn[:, 1])
    string_kwp = st.modules * module.power_w / 1000.0
    dev_kwp = np.bincount(dev.index, weights=string_kwp, minlength=nd)
    if params.topology == "central":
        vmp_stc = st.modules * module.vmp_v
        i_op = dev.count * module.imp_a
        i_size = DC_SIZING_FACTOR * dev.count * module.isc_a
        v_nom = np.minimum.reduceat(vmp_stc, dev_start) if nd else np.zeros(0)
        drop_factor, conductors_per_run, limit = 2.0, 2, params.vdrop_dc_feeder_pct
        dev_ac = np.zeros(nd)
    else:
        dev_ac = np.full(nd, params.string_inverter_ac_kw)
        p_stc = np.minimum(dev_ac, dev_kwp) * 1000.0
        i_op = p_stc / (SQRT3 * params.lv_ac_voltage_v * params.power_factor)
        i_size = (
            AC_CONTINUOUS_FACTOR * dev_ac * 1000.0 / (SQRT3 * params.lv_ac_voltage_v * params.power_factor)
        )
        v_nom = np.full(nd, params.lv_ac_voltage_v)
        drop_factor, conductors_per_run, limit = SQRT3, 3, params.vdrop_lv_ac_pct
    f_choice, f_par, f_ok = size_circuits(
        AL_LV,
        i_size_a=i_size,
        i_op_a=i_op,
        route_m=f_route,
        drop_factor=drop_factor,
        v_nominal_v=v_nom,
        limit_pct=limit,
        temp_c=params.conductor_temp_c,
        max_parallel=params.max_parallel,
    )
    if nd and not f_ok.all():
        warnings.append(
            f"{int((~f_ok).sum())} feeders exceed the {limit}% drop limit even at the largest size"
        )
    r_f = _per_choice(AL_LV, f_choice, params.conductor_temp_c)
    return _Feeders(
        device_ac_kw=dev_ac,
        route_m=f_route,
        choice=f_choice,
        parallel=f_par,
        current_a=i_op,
        loss_w=conductors_per_run * i_op**2 * r_f * f_route / np.maximum(f_par, 1),
        drop_pct=drop_factor * (i_op / f_par) * r_f * f_route / np.maximum(v_nom, 1e-9) * 100.0,
        uv=np.stack([np.stack([dev_u, dev_v], 1), np.stack([stn[:, 0], dev_v], 1), stn], axis=1),
        conductors_per_run=conductors_per_run,
    )


def _trenches(st: _Strings, station_uv: np.ndarray, nb: int) -> tuple[np.ndarray, np.ndarray]:
    """Trenches: per pair the aisle (v, u0, u1) from its farthest string to the spine; per block
    the spine (u, v0, v1) through the station across its aisles [m]."""
    n_pairs = len(st.pair_start)
    aisle_v, pair_block, su = st.aisle_v, st.pair_block, st.u
    p_st = station_uv[pair_block]
    lo = np.minimum(np.minimum.reduceat(su, st.pair_start) if n_pairs else np.zeros(0), p_st[:, 0])
    hi = np.maximum(np.maximum.reduceat(su, st.pair_start) if n_pairs else np.zeros(0), p_st[:, 0])
    aisles = np.stack([aisle_v, lo, hi], axis=1) if n_pairs else np.zeros((0, 3))
    spines = []
    for b in range(nb):
        vs = aisle_v[pair_block == b]
        if len(vs):
            sv0 = station_uv[b, 1]
            spines.append((station_uv[b, 0], min(float(vs.min()), sv0), max(float(vs.max()), sv0)))
    return aisles, np.array(spines, dtype=float).reshape(-1, 3)
