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
from dataclasses import dataclass, field, replace
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
class SizingOptions:
    """What to solve for: a battery sized for the target on `days_share` of its days (capital cost
    c_E [USD/MWh] · E + c_P [USD/MW] · P, E ≤ max_energy_mwh [MWh]), or a fixed one (`energy_mwh`
    [MWh] and `power_mw` [MW] both given: then the days met are maximised); HiGHS's time limit [s].
    maximise_days: size for the most days met, then smallest (the fallback when the share cannot
    be met)."""

    days_share: float = 1.0
    energy_mwh: float | None = None
    power_mw: float | None = None
    cost_energy_usd_per_mwh: float = 250_000.0
    cost_power_usd_per_mw: float = 150_000.0
    max_energy_mwh: float = 20_000.0
    time_limit_s: float = 60.0
    maximise_days: bool = False

    @property
    def fixed(self) -> bool:
        """A given battery, not a sized one."""
        return self.energy_mwh is not None


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


@dataclass(frozen=True)
class _Cols:
    """Column offsets of the LP: c, d, s, w (n_t each), E, P, then the n_m day binaries m."""

    n_t: int
    n_m: int

    @property
    def ic(self) -> int:
        return 0

    @property
    def id_(self) -> int:
        return self.n_t

    @property
    def is_(self) -> int:
        return 2 * self.n_t

    @property
    def iw(self) -> int:
        return 3 * self.n_t

    @property
    def ie(self) -> int:
        return 4 * self.n_t

    @property
    def ip(self) -> int:
        return 4 * self.n_t + 1

    @property
    def im(self) -> int:
        return 4 * self.n_t + 2

    @property
    def n_var(self) -> int:
        return self.im + self.n_m


@dataclass
class _Rows:
    """The constraint rows built block by block (COO triplets and row bounds); r0 counts the rows."""

    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    rlo: list[np.ndarray] = field(default_factory=list)
    rhi: list[np.ndarray] = field(default_factory=list)
    r0: int = 0

    def block(self, r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
        self.rows.append(r)
        self.cols.append(c)
        self.vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape).copy())

    def bounds(self, low: np.ndarray, high: np.ndarray, n: int) -> None:
        self.rlo.append(low)
        self.rhi.append(high)
        self.r0 += n


def _objective_and_bounds(
    g: np.ndarray, k: _Cols, opts: SizingOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cost [USD per unit], lower, upper) of every column: the battery fixed or sized, the day
    binaries weighted when the days met are maximised."""
    cost = np.zeros(k.n_var)
    cost[k.ic : k.id_] = EPS_USD_PER_MWH
    cost[k.iw : k.ie] = EPS_USD_PER_MWH
    cost[k.id_ : k.is_] = -EPS_USD_PER_MWH
    lo = np.zeros(k.n_var)
    hi = np.full(k.n_var, np.inf)
    hi[k.iw : k.ie] = g
    hi[k.ic : k.id_] = g
    if opts.fixed:
        lo[k.ie] = hi[k.ie] = float(opts.energy_mwh or 0.0)
        lo[k.ip] = hi[k.ip] = float(opts.power_mw or 0.0)
    else:
        cost[k.ie] = opts.cost_energy_usd_per_mwh
        cost[k.ip] = opts.cost_power_usd_per_mw
        hi[k.ie] = opts.max_energy_mwh
        hi[k.ip] = opts.max_energy_mwh  # ≥ 1 h: a battery never needs more MW than MWh here
    if k.n_m:
        hi[k.im :] = 1.0
        if opts.fixed or opts.maximise_days:
            cost[k.im :] = -DAY_WEIGHT
    return cost, lo, hi


def _battery_rows(rb: _Rows, k: _Cols, g: np.ndarray, limits: Limits, eta: float) -> None:
    """SoC balance, SoC window, charge / discharge power and charging from on-site generation."""
    n_t = k.n_t
    t = np.arange(n_t)
    # SoC: s_t − s_{t−1} − η c_t + d_t/η = 0 (cyclic).
    r = rb.r0 + t
    rb.block(r, k.is_ + t, 1.0)
    rb.block(r, k.is_ + (t - 1) % n_t, -1.0)
    rb.block(r, k.ic + t, -eta)
    rb.block(r, k.id_ + t, 1.0 / eta)
    rb.bounds(np.zeros(n_t), np.zeros(n_t), n_t)
    # s_t − soc_max·E ≤ 0 and s_t − soc_min·E ≥ 0.
    for frac, low, high in ((limits.soc_max, -np.inf, 0.0), (limits.soc_min, 0.0, np.inf)):
        r = rb.r0 + t
        rb.block(r, k.is_ + t, 1.0)
        rb.block(r, np.full(n_t, k.ie), -frac)
        rb.bounds(np.full(n_t, low), np.full(n_t, high), n_t)
    # c_t − P ≤ 0, d_t − P ≤ 0.
    for off in (k.ic, k.id_):
        r = rb.r0 + t
        rb.block(r, off + t, 1.0)
        rb.block(r, np.full(n_t, k.ip), -1.0)
        rb.bounds(np.full(n_t, -np.inf), np.zeros(n_t), n_t)
    # c_t + w_t ≤ G_t (charge only from on-site generation).
    r = rb.r0 + t
    rb.block(r, k.ic + t, 1.0)
    rb.block(r, k.iw + t, 1.0)
    rb.bounds(np.full(n_t, -np.inf), g.copy(), n_t)


def _grid_rows(
    rb: _Rows,
    k: _Cols,
    g: np.ndarray,
    f: np.ndarray,
    limits: Limits,
    *,
    n_d: int,
    day_ids: np.ndarray,
    need_days: int,
    binaries: bool,
    opts: SizingOptions,
) -> None:
    """Grid export (limit and firm target, with the day binaries), the warranty's throughput and,
    for a battery sized for a share of the days, that share of the target days to meet."""
    n_t, n_m = k.n_t, k.n_m
    t = np.arange(n_t)
    x_lim = limits.export_limit_mw
    # Grid: −c − w + d ≤ X − G (export limit) and, on target hours, ≥ F·m − G.
    r = rb.r0 + t
    rb.block(r, k.ic + t, -1.0)
    rb.block(r, k.iw + t, -1.0)
    rb.block(r, k.id_ + t, 1.0)
    glo = np.full(n_t, -np.inf)
    target_hours = f > 0
    if need_days and not binaries:
        glo[target_hours] = f[target_hours] - g[target_hours]
    elif binaries:
        glo[target_hours] = -g[target_hours]
        day_of_hour = t // 24
        col_of_day = np.full(n_d, -1)
        col_of_day[day_ids] = k.im + np.arange(n_m)
        th = np.flatnonzero(target_hours)
        rb.block(rb.r0 + th, col_of_day[day_of_hour[th]], -f[th])
    rb.bounds(glo, np.where(np.isfinite(x_lim), x_lim - g, np.inf), n_t)
    # Throughput within the warranty: Σ d − N·(soc_max − soc_min)·(T/8760)·E ≤ 0.
    years = n_t / 8760.0
    rb.block(np.array([rb.r0] * n_t), k.id_ + t, 1.0)
    rb.block(
        np.array([rb.r0]),
        np.array([k.ie]),
        -limits.warranty_cycles_per_yr * (limits.soc_max - limits.soc_min) * years,
    )
    rb.bounds(np.array([-np.inf]), np.array([0.0]), 1)
    if n_m and not (opts.fixed or opts.maximise_days):
        rb.block(np.full(n_m, rb.r0), k.im + np.arange(n_m), 1.0)
        rb.bounds(np.array([float(math.ceil(opts.days_share * need_days - 1e-9))]), np.array([np.inf]), 1)


def _run_highs(
    rb: _Rows,
    k: _Cols,
    cost: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    time_limit_s: float,
    start: dict[str, Any] | None,
) -> tuple[str, Any, Any]:
    """(model status, solution, info) of the model solved by HiGHS (a MIP when there are day
    binaries, seeded with `start`'s hours and every day met)."""
    n_m, n_var, im = k.n_m, k.n_var, k.im
    a = sp.csc_matrix(
        (np.concatenate(rb.vals), (np.concatenate(rb.rows), np.concatenate(rb.cols))), shape=(rb.r0, n_var)
    )
    h = new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("threads", 1)
    if n_m:
        h.setOptionValue("mip_rel_gap", 1e-3)
    lp = highspy.HighsLp()
    lp.num_col_ = n_var
    lp.num_row_ = rb.r0
    lp.col_cost_ = cost
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = np.concatenate(rb.rlo)
    lp.row_upper_ = np.concatenate(rb.rhi)
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
    return h.modelStatusToString(h.getModelStatus()), h.getSolution(), h.getInfo()


def solve(
    generation_mw: np.ndarray,
    target_mw: np.ndarray,
    limits: Limits,
    opts: SizingOptions,
    *,
    start: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The solved arrays {c, d, s, w, E, P, m, status, gap} for generation G_t [MW] and target F_t [MW]
    (`SizingOptions`: a fixed battery — then the days met are maximised — or a sized one).
    start: a solved answer whose hours seed the MIP's first incumbent (the every-day LP, feasible
    for any share). Raises StorageInfeasible."""
    g = np.asarray(generation_mw, dtype=float)
    f = np.asarray(target_mw, dtype=float)
    n_t = len(g)
    if len(f) != n_t:
        raise InvalidInput("the target and the generation series differ in length")
    n_d, tdays = _days(f)
    eta = math.sqrt(limits.round_trip_efficiency)
    need_days = int(tdays.sum())
    # Day binaries only when some days may be given up (share < 1) or are maximised.
    binaries = need_days > 0 and (opts.fixed or opts.maximise_days or opts.days_share < 1.0)
    day_ids = np.flatnonzero(tdays)
    k = _Cols(n_t=n_t, n_m=len(day_ids) if binaries else 0)
    cost, lo, hi = _objective_and_bounds(g, k, opts)
    rb = _Rows()
    _battery_rows(rb, k, g, limits, eta)
    _grid_rows(
        rb, k, g, f, limits, n_d=n_d, day_ids=day_ids, need_days=need_days, binaries=binaries, opts=opts
    )
    status, sol, info = _run_highs(rb, k, cost, lo, hi, time_limit_s=opts.time_limit_s, start=start)
    has_primal = bool(getattr(sol, "value_valid", False)) and info.primal_solution_status == 2
    if status in ("Infeasible", "Primal infeasible or unbounded") or not has_primal:
        raise StorageInfeasible(f"storage problem: {status}")
    x = np.asarray(sol.col_value, dtype=float)
    return {
        "c": np.clip(x[k.ic : k.id_], 0.0, None),
        "d": np.clip(x[k.id_ : k.is_], 0.0, None),
        "s": x[k.is_ : k.iw],
        "w": np.clip(x[k.iw : k.ie], 0.0, None),
        "E": float(x[k.ie]),
        "P": float(x[k.ip]),
        "status": status,
        "gap": float(info.mip_gap) if k.n_m else None,
        "eta": eta,
        "x": x,
    }


def _clean_series(
    pv_mw: np.ndarray, wind_mw: np.ndarray | None, target_mw: np.ndarray, limits: Limits
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(PV, wind, target) [MW] as float arrays, generation clipped at 0; raises InvalidInput when
    the series differ in length or the target exceeds the grid export limit."""
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
    return pv, wind, target


def _solve_or_fall_back(
    gen: np.ndarray, target: np.ndarray, limits: Limits, opts: SizingOptions, notes: list[str]
) -> dict[str, Any]:
    """`solve` seeded by the every-day LP; a sized battery that cannot meet the share falls back to
    the most days met (with a note appended to `notes`). Raises StorageInfeasible."""
    start = None
    if not opts.fixed and opts.days_share < 1.0:
        # The every-day LP (seconds) seeds the MIP: its battery meets any share, so the MIP starts
        # from a feasible answer and only has to find days worth giving up.
        try:
            start = solve(gen, target, limits, replace(opts, days_share=1.0))
        except StorageInfeasible:
            start = None
    try:
        return solve(gen, target, limits, opts, start=start)
    except StorageInfeasible:
        if opts.fixed:
            raise
    try:
        out = solve(gen, target, limits, replace(opts, maximise_days=True))
    except StorageInfeasible as exc:
        raise StorageInfeasible(
            f"storage: no battery up to {opts.max_energy_mwh:,.0f} MWh was found that meets the target on "
            f"{opts.days_share:.0%} of the days within {opts.time_limit_s:g} s ({exc.message}); lower "
            "storage.firm_power_mw or storage.firm_days_share, or raise storage.time_limit_s"
        ) from exc
    notes.append(
        f"no battery up to {opts.max_energy_mwh:,.0f} MWh meets the target on {opts.days_share:.0%} of the "
        "days with this generation: sized for the most days it can meet"
    )
    return out


def dispatch(
    pv_mw: np.ndarray,
    wind_mw: np.ndarray | None,
    target_mw: np.ndarray,
    limits: Limits,
    options: SizingOptions | None = None,
) -> Dispatch:
    """The smallest battery (or the given one, `SizingOptions`) and its hourly year; see the module
    docstring.

    pv_mw, wind_mw: hourly AC output [MW] at the plant's point of connection (T = 24·D values);
    target_mw: firm power [MW] wanted each hour (0 = none). When no battery up to max_energy_mwh
    meets the share, the battery that meets the most days (then smallest) is returned with a note.
    """
    opts = options or SizingOptions()
    pv, wind, target = _clean_series(pv_mw, wind_mw, target_mw, limits)
    gen = pv + wind
    notes: list[str] = []
    out = _solve_or_fall_back(gen, target, limits, opts, notes)
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
