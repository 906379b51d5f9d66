"""Size and dispatch a battery over an hourly year with HiGHS (LP, or MIP with day-met binaries).

Generation G_t = PV_t + wind_t [MW] charges the battery (never the grid); the rest is exported up to
the grid limit X [MW] or spilled (curtailed). Per hour t (SoC at the hour's end, cyclic year):

    s_t = s_{t-1} + η c_t − d_t / η            η = √RTE (each way), s_{-1} = s_{T-1}
    soc_min·E ≤ s_t ≤ soc_max·E,  c_t ≤ P,  d_t ≤ P,  c_t + w_t ≤ G_t
    g_t = G_t − c_t − w_t + d_t ≤ X            (grid export)
    g_t ≥ F_t · m_k  for the target hours of day k    (m_k ∈ {0,1}; Σ_k m_k ≥ ⌈share·D⌉)
    Σ_t d_t ≤ N_warranty · (soc_max − soc_min) · E    (throughput within the warranty's cycles)

Sizing minimises c_E·E + c_P·P (the battery's capital cost [USD]) + ε·Σ(c + w − d), ε = 1 USD/MWh
(ties broken towards delivering more energy; too small to buy capacity: 1 MWh of battery costs
~10⁵ USD and shifts at most ~365 MWh a year). With share = 1 every m_k is 1 and the problem is an LP;
below 1 it is a MIP (HiGHS branch and bound) because which days to give up is a choice — an LP
relaxation would meet every day partly and claim none. A fixed battery (E, P given) maximises the
days met first (weight W = 10⁶ per day), then the energy delivered. docs/storage.md has the proof
obligations the tests check.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from app.errors import InvalidInput

EPS_USD_PER_MWH = 1.0
DAY_WEIGHT = 1e6
MET_TOL_MW = 1e-4


class StorageInfeasible(InvalidInput):
    """The target cannot be met on the asked share of days by this generation with any battery."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """The battery's technical limits: round-trip efficiency (fraction), SoC window [fraction of E],
    warranty cycles per year (full equivalent cycles of the usable window), grid export limit [MW]."""

    round_trip_efficiency: float = 0.86
    soc_min: float = 0.05
    soc_max: float = 0.95
    warranty_cycles_per_yr: float = 365.0
    export_limit_mw: float = math.inf


@dataclass(frozen=True, kw_only=True)
class Dispatch:
    """One solved year. Arrays are (T,) hourly [MW] or, for soc, [MWh] at the hour's end."""

    power_mw: float
    energy_mwh: float
    pv_mw: np.ndarray
    wind_mw: np.ndarray
    charge_mw: np.ndarray
    discharge_mw: np.ndarray
    soc_mwh: np.ndarray
    spill_mw: np.ndarray
    grid_mw: np.ndarray
    target_mw: np.ndarray
    days_met: np.ndarray  # (D,) bool, days with a target: all its hours met
    target_days: np.ndarray  # (D,) bool, days that have target hours
    solver: str
    status: str
    mip_gap: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def firm_days_met_share(self) -> float:
        n = int(self.target_days.sum())
        return float(self.days_met[self.target_days].sum()) / n if n else 1.0

    @property
    def discharge_mwh(self) -> float:
        return float(self.discharge_mw.sum())

    @property
    def cycles_per_yr(self) -> float:
        """Full equivalent cycles: discharged energy over the usable window, per year of hours."""
        usable = self.energy_mwh * self.usable_fraction
        years = len(self.grid_mw) / 8760.0
        return self.discharge_mwh / usable / years if usable > 0 else 0.0

    usable_fraction: float = 0.9


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance. Its constructor prints a banner on the process's stdout (file
    descriptor 1, from C++) the first time; the CLI's stdout is JSON, so fd 1 points at /dev/null
    while it is built (C stdio flushed before it is restored)."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return h


def solver_name() -> str:
    """ "HiGHS x.y.z" of the installed highspy."""
    return f"HiGHS {new_highs().version()}"


def _days(target_mw: np.ndarray) -> tuple[int, np.ndarray]:
    t = len(target_mw)
    if t % 24:
        raise InvalidInput(f"the hourly series has {t} values: a whole number of days (24 h) is needed")
    d = t // 24
    days: np.ndarray = np.asarray((target_mw.reshape(d, 24) > 0).any(axis=1))
    return d, days


def solve(
    generation_mw: np.ndarray,
    target_mw: np.ndarray,
    limits: Limits,
    *,
    days_share: float = 1.0,
    energy_mwh: float | None = None,
    power_mw: float | None = None,
    cost_energy_usd_per_mwh: float = 250_000.0,
    cost_power_usd_per_mw: float = 150_000.0,
    max_energy_mwh: float = 20_000.0,
    time_limit_s: float = 60.0,
    maximise_days: bool = False,
    start: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The solved arrays {c, d, s, w, E, P, m, status, gap} for generation G_t [MW] and target F_t [MW].

        energy_mwh / power_mw: a fixed battery (both) — then the days met are maximised; else sized.
        maximise_days: size a battery (E ≤ max_energy_mwh) that meets as many days as it can, then is
        smallest (the fallback when the share cannot be met). start: a solved answer whose hours seed
    the MIP's first incumbent (the every-day LP, feasible for any share). Raises StorageInfeasible."""
    g = np.asarray(generation_mw, dtype=float)
    f = np.asarray(target_mw, dtype=float)
    n_t = len(g)
    if len(f) != n_t:
        raise InvalidInput("the target and the generation series differ in length")
    n_d, tdays = _days(f)
    fixed = energy_mwh is not None
    eta = math.sqrt(limits.round_trip_efficiency)
    x_lim = limits.export_limit_mw
    need_days = int(tdays.sum())
    # Day binaries only when some days may be given up (share < 1) or are maximised.
    binaries = need_days > 0 and (fixed or maximise_days or days_share < 1.0)
    day_ids = np.flatnonzero(tdays)
    n_m = len(day_ids) if binaries else 0
    ic, id_, is_, iw = 0, n_t, 2 * n_t, 3 * n_t
    ie, ip = 4 * n_t, 4 * n_t + 1
    im = 4 * n_t + 2
    n_var = im + n_m

    cost = np.zeros(n_var)
    cost[ic:id_] = EPS_USD_PER_MWH
    cost[iw:ie] = EPS_USD_PER_MWH
    cost[id_:is_] = -EPS_USD_PER_MWH
    lo = np.zeros(n_var)
    hi = np.full(n_var, np.inf)
    hi[iw:ie] = g
    hi[ic:id_] = g
    if fixed:
        lo[ie] = hi[ie] = float(energy_mwh or 0.0)
        lo[ip] = hi[ip] = float(power_mw or 0.0)
    else:
        cost[ie] = cost_energy_usd_per_mwh
        cost[ip] = cost_power_usd_per_mw
        hi[ie] = max_energy_mwh
        hi[ip] = max_energy_mwh  # ≥ 1 h: a battery never needs more MW than MWh here
    if n_m:
        hi[im:] = 1.0
        if fixed or maximise_days:
            cost[im:] = -DAY_WEIGHT

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    rlo: list[np.ndarray] = []
    rhi: list[np.ndarray] = []
    r0 = 0
    t = np.arange(n_t)

    def block(r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
        rows.append(r)
        cols.append(c)
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape).copy())

    # SoC: s_t − s_{t−1} − η c_t + d_t/η = 0 (cyclic).
    r = r0 + t
    block(r, is_ + t, 1.0)
    block(r, is_ + (t - 1) % n_t, -1.0)
    block(r, ic + t, -eta)
    block(r, id_ + t, 1.0 / eta)
    rlo.append(np.zeros(n_t))
    rhi.append(np.zeros(n_t))
    r0 += n_t
    # s_t − soc_max·E ≤ 0 and s_t − soc_min·E ≥ 0.
    for frac, low, high in ((limits.soc_max, -np.inf, 0.0), (limits.soc_min, 0.0, np.inf)):
        r = r0 + t
        block(r, is_ + t, 1.0)
        block(r, np.full(n_t, ie), -frac)
        rlo.append(np.full(n_t, low))
        rhi.append(np.full(n_t, high))
        r0 += n_t
    # c_t − P ≤ 0, d_t − P ≤ 0.
    for off in (ic, id_):
        r = r0 + t
        block(r, off + t, 1.0)
        block(r, np.full(n_t, ip), -1.0)
        rlo.append(np.full(n_t, -np.inf))
        rhi.append(np.zeros(n_t))
        r0 += n_t
    # c_t + w_t ≤ G_t (charge only from on-site generation).
    r = r0 + t
    block(r, ic + t, 1.0)
    block(r, iw + t, 1.0)
    rlo.append(np.full(n_t, -np.inf))
    rhi.append(g.copy())
    r0 += n_t
    # Grid: −c − w + d ≤ X − G (export limit) and, on target hours, ≥ F·m − G.
    r = r0 + t
    block(r, ic + t, -1.0)
    block(r, iw + t, -1.0)
    block(r, id_ + t, 1.0)
    glo = np.full(n_t, -np.inf)
    target_hours = f > 0
    if need_days and not binaries:
        glo[target_hours] = f[target_hours] - g[target_hours]
    elif binaries:
        glo[target_hours] = -g[target_hours]
        day_of_hour = t // 24
        col_of_day = np.full(n_d, -1)
        col_of_day[day_ids] = im + np.arange(n_m)
        th = np.flatnonzero(target_hours)
        block(r0 + th, col_of_day[day_of_hour[th]], -f[th])
    rlo.append(glo)
    rhi.append(np.where(np.isfinite(x_lim), x_lim - g, np.inf))
    r0 += n_t
    # Throughput within the warranty: Σ d − N·(soc_max − soc_min)·(T/8760)·E ≤ 0.
    years = n_t / 8760.0
    block(np.array([r0] * n_t), id_ + t, 1.0)
    block(
        np.array([r0]),
        np.array([ie]),
        -limits.warranty_cycles_per_yr * (limits.soc_max - limits.soc_min) * years,
    )
    rlo.append(np.array([-np.inf]))
    rhi.append(np.array([0.0]))
    r0 += 1
    if n_m and not (fixed or maximise_days):
        block(np.full(n_m, r0), im + np.arange(n_m), 1.0)
        rlo.append(np.array([float(math.ceil(days_share * need_days - 1e-9))]))
        rhi.append(np.array([np.inf]))
        r0 += 1

    a = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, n_var))
    h = new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("threads", 1)
    if n_m:
        h.setOptionValue("mip_rel_gap", 1e-3)
    lp = highspy.HighsLp()
    lp.num_col_ = n_var
    lp.num_row_ = r0
    lp.col_cost_ = cost
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = np.concatenate(rlo)
    lp.row_upper_ = np.concatenate(rhi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    if n_m:
        integrality = [highspy.HighsVarType.kContinuous] * im + [highspy.HighsVarType.kInteger] * n_m
        lp.integrality_ = integrality
    h.passModel(lp)
    if start is not None and n_m:
        seed = np.zeros(n_var)
        seed[:im] = start["x"][:im]
        seed[im:] = 1.0
        warm = highspy.HighsSolution()
        warm.col_value = list(seed)
        warm.value_valid = True
        h.setSolution(warm)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    sol = h.getSolution()
    info = h.getInfo()
    has_primal = bool(getattr(sol, "value_valid", False)) and info.primal_solution_status == 2
    if status in ("Infeasible", "Primal infeasible or unbounded") or not has_primal:
        raise StorageInfeasible(f"storage problem: {status}")
    x = np.asarray(sol.col_value, dtype=float)
    return {
        "c": np.clip(x[ic:id_], 0.0, None),
        "d": np.clip(x[id_:is_], 0.0, None),
        "s": x[is_:iw],
        "w": np.clip(x[iw:ie], 0.0, None),
        "E": float(x[ie]),
        "P": float(x[ip]),
        "status": status,
        "gap": float(info.mip_gap) if n_m else None,
        "eta": eta,
        "x": x,
    }


def dispatch(
    pv_mw: np.ndarray,
    wind_mw: np.ndarray | None,
    target_mw: np.ndarray,
    limits: Limits,
    *,
    days_share: float = 1.0,
    energy_mwh: float | None = None,
    power_mw: float | None = None,
    cost_energy_usd_per_mwh: float = 250_000.0,
    cost_power_usd_per_mw: float = 150_000.0,
    max_energy_mwh: float = 20_000.0,
    time_limit_s: float = 60.0,
) -> Dispatch:
    """The smallest battery (or the given one) and its hourly year; see the module docstring.

    pv_mw, wind_mw: hourly AC output [MW] at the plant's point of connection (T = 24·D values);
    target_mw: firm power [MW] wanted each hour (0 = none). When no battery up to max_energy_mwh
    meets the share, the battery that meets the most days (then smallest) is returned with a note.
    """
    pv = np.clip(np.asarray(pv_mw, dtype=float), 0.0, None)
    wind = np.zeros_like(pv) if wind_mw is None else np.clip(np.asarray(wind_mw, dtype=float), 0.0, None)
    if wind.shape != pv.shape:
        raise InvalidInput(f"wind series has {len(wind)} hours, PV {len(pv)}: they must match")
    target = np.asarray(target_mw, dtype=float)
    if np.isfinite(limits.export_limit_mw) and target.max(initial=0.0) > limits.export_limit_mw + 1e-9:
        raise InvalidInput(
            f"the target ({target.max():g} MW) exceeds the grid export limit "
            f"({limits.export_limit_mw:g} MW): it can never be delivered"
        )
    gen = pv + wind
    kw = {
        "days_share": days_share,
        "energy_mwh": energy_mwh,
        "power_mw": power_mw,
        "cost_energy_usd_per_mwh": cost_energy_usd_per_mwh,
        "cost_power_usd_per_mw": cost_power_usd_per_mw,
        "max_energy_mwh": max_energy_mwh,
        "time_limit_s": time_limit_s,
    }
    notes: list[str] = []
    start = None
    if energy_mwh is None and days_share < 1.0:
        # The every-day LP (seconds) seeds the MIP: its battery meets any share, so the MIP starts
        # from a feasible answer and only has to find days worth giving up.
        try:
            start = solve(gen, target, limits, **{**kw, "days_share": 1.0})  # type: ignore[arg-type]
        except StorageInfeasible:
            start = None
    try:
        out = solve(gen, target, limits, **kw, start=start)  # type: ignore[arg-type]
    except StorageInfeasible:
        if energy_mwh is not None:
            raise
        try:
            out = solve(gen, target, limits, **kw, maximise_days=True)  # type: ignore[arg-type]
        except StorageInfeasible as exc:
            raise StorageInfeasible(
                f"storage: no battery up to {max_energy_mwh:,.0f} MWh was found that meets the target on "
                f"{days_share:.0%} of the days within {time_limit_s:g} s ({exc.message}); lower "
                "storage.firm_power_mw or storage.firm_days_share, or raise storage.time_limit_s"
            ) from exc
        notes.append(
            f"no battery up to {max_energy_mwh:,.0f} MWh meets the target on {days_share:.0%} of the days "
            "with this generation: sized for the most days it can meet"
        )
    if out["status"] not in ("Optimal",):
        notes.append(
            f"solver stopped with status {out['status']!r} (MIP gap {out['gap']}): "
            "the battery is feasible but not proven smallest"
        )
    c, d, w = out["c"], out["d"], out["w"]
    grid = gen - c - w + d
    n_d, tdays = _days(target)
    met_h = (grid >= target - MET_TOL_MW) | (target <= 0)
    met = met_h.reshape(n_d, 24).all(axis=1) & tdays
    return Dispatch(
        power_mw=out["P"],
        energy_mwh=out["E"],
        pv_mw=pv,
        wind_mw=wind,
        charge_mw=c,
        discharge_mw=d,
        soc_mwh=out["s"],
        spill_mw=w,
        grid_mw=grid,
        target_mw=target,
        days_met=met,
        target_days=tdays,
        solver=solver_name(),
        status=out["status"],
        mip_gap=out["gap"],
        notes=tuple(notes),
        usable_fraction=limits.soc_max - limits.soc_min,
    )
