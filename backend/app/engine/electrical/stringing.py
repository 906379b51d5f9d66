"""Stringing: modules per string from the module's temperature behaviour, then strings laid along rows.

Voc(T) = Voc·(1 + β_Voc·(T − 25 °C)) at the design low temperature bounds the string length from
above (string Voc ≤ system voltage, IEC 62548 / NEC 690.7); Vmp(T) = Vmp·(1 + γ·(T − 25 °C)) at the
design high cell temperature bounds it from below (string Vmp ≥ the MPPT minimum). The module data
has no Vmp coefficient, so the Pmp coefficient γ stands in for it (the fill-factor part of γ is
small; the result errs towards a longer minimum string). Strings are pooled per run of adjacent
tables of one block in one row, so a partial table never leaves an orphan string: a run of M
modules gets k = ⌈M / L⌉ strings of ⌊M/k⌋ or ⌈M/k⌉ modules (never above L, so never above the
voltage limit). All positions are in the row frame [m] (see `app.engine.pv.frame.RowFrame`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

from app.engine.electrical.params import ElectricalParams
from app.engine.pv.modules import ModuleSpec
from app.engine.pv.types import PvPlant
from app.errors import InvalidInput

# Tables further apart along a row than this [m] start a new run (a road or an obstacle between).
RUN_GAP_M = 5.0


@dataclass(frozen=True, kw_only=True)
class StringPlan:
    """Strings of the plant. Voltages [V]; per-string arrays share one index.

    string_modules: modules per string; string_table: index into plant.tables of the table holding
    the string's middle module; string_block: its inverter block; string_u / string_v: that
    point in the row frame [m]; string_row: the row index.
    """

    modules_per_string: int
    n_min: int
    n_max: int
    module_voc_cold_v: float
    module_vmp_hot_v: float
    module_vmp_cold_v: float
    string_modules: np.ndarray
    string_table: np.ndarray
    string_block: np.ndarray
    string_row: np.ndarray
    string_u: np.ndarray
    string_v: np.ndarray
    warnings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.string_modules)

    def voc_cold_v(self) -> np.ndarray:
        """Each string's open-circuit voltage at the design low temperature [V]."""
        return self.string_modules * self.module_voc_cold_v


def string_limits(plant: PvPlant, params: ElectricalParams) -> tuple[int, int, float, float, float]:
    """(n_min, n_max, module Voc cold, Vmp hot, Vmp cold) [-, -, V, V, V]; `InvalidInput` when no
    string length fits both the voltage limit and the MPPT window."""
    return module_string_limits(plant.design.design.module, params)


def module_string_limits(m: ModuleSpec, params: ElectricalParams) -> tuple[int, int, float, float, float]:
    """`string_limits` of one module: needs no plant, so a request is checked before it is queued."""
    voc_cold = m.voc_v * (1.0 + m.beta_voc_pct_per_c / 100.0 * (params.t_min_c - 25.0))
    vmp_hot = m.vmp_v * (1.0 + m.gamma_pmp_pct_per_c / 100.0 * (params.t_max_cell_c - 25.0))
    vmp_cold = m.vmp_v * (1.0 + m.gamma_pmp_pct_per_c / 100.0 * (params.t_min_c - 25.0))
    n_max = math.floor(params.system_voltage_v / voc_cold + 1e-9)
    n_min = math.ceil(params.mppt_min_v / vmp_hot - 1e-9)
    if n_max < 1 or n_min > n_max:
        raise InvalidInput(
            f"no string length fits module {m.name!r}: at {params.t_min_c:g} °C at most {n_max} modules "
            f"stay within {params.system_voltage_v:g} V, but at {params.t_max_cell_c:g} °C at least {n_min} "
            f"are needed to reach the MPPT minimum {params.mppt_min_v:g} V"
        )
    return n_min, n_max, voc_cold, vmp_hot, vmp_cold


def design_length(modules_per_table: int, n_min: int, n_max: int) -> int:
    """The string length: the longest divisor of a full table's modules within [n_min, n_max]
    (whole strings per table), else n_max (strings then pool across the tables of a run)."""
    for n in range(n_max, n_min - 1, -1):
        if modules_per_table % n == 0:
            return n
    return n_max


def plan_strings(plant: PvPlant, params: ElectricalParams, u: np.ndarray, v: np.ndarray) -> StringPlan:
    """String the plant. u, v: each table's centre in the row frame [m] (index = plant.tables order)."""
    n_min, n_max, voc_cold, vmp_hot, vmp_cold = string_limits(plant, params)
    length = design_length(plant.design.design.modules_per_table, n_min, n_max)
    warnings: list[str] = []
    if length * vmp_cold > params.mppt_max_v:
        warnings.append(
            f"string Vmp at {params.t_min_c:g} °C ({length * vmp_cold:.0f} V) exceeds the MPPT maximum "
            f"{params.mppt_max_v:g} V: the inverter clips voltage on cold mornings"
        )
    tables = plant.tables
    n = len(tables)
    # attrgetter over the tables: no generator frame per table (the cable checks string a 1 GWac
    # plant's ~30,000 tables three times); halving is exact either way.
    block = np.fromiter(map(attrgetter("block"), tables), dtype=np.int64, count=n)
    row = np.fromiter(map(attrgetter("row"), tables), dtype=np.int64, count=n)
    mods = np.fromiter(map(attrgetter("modules"), tables), dtype=np.int64, count=n)
    half = np.fromiter(map(attrgetter("length_m"), tables), dtype=float, count=n) / 2.0
    order = np.lexsort((u, row, block))
    bo, ro, uo, ho, mo = block[order], row[order], u[order], half[order], mods[order]
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (
        (bo[1:] != bo[:-1]) | (ro[1:] != ro[:-1]) | ((uo[1:] - ho[1:]) - (uo[:-1] + ho[:-1]) > RUN_GAP_M)
    )
    run_start = np.flatnonzero(new_run)
    cum = np.cumsum(mo)
    run_total = np.add.reduceat(mo, run_start) if n else np.zeros(0, dtype=np.int64)
    run_offset = cum[run_start] - mo[run_start] if n else np.zeros(0, dtype=np.int64)
    k = -(-run_total // length)
    base, extra = np.divmod(run_total, np.maximum(k, 1))
    run_of = np.repeat(np.arange(len(k)), k)
    j = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
    smod = (base[run_of] + (j < extra[run_of])).astype(np.int64)
    # Middle module of each string, counted from the plant's first module in sorted order.
    gc = np.cumsum(smod)
    rs = np.cumsum(k) - k
    within = gc - (gc[rs] - smod[rs])[run_of] if len(smod) else gc
    mid = run_offset[run_of] + within - smod / 2.0
    pos = np.minimum(np.searchsorted(cum, mid, side="right"), n - 1)
    stab = order[pos] if len(smod) else np.zeros(0, dtype=np.int64)
    short = int((smod < n_min).sum())
    if short:
        warnings.append(
            f"{short} strings are shorter than {n_min} modules (run ends): their Vmp at "
            f"{params.t_max_cell_c:g} °C falls below the MPPT minimum"
        )
    return StringPlan(
        modules_per_string=length,
        n_min=n_min,
        n_max=n_max,
        module_voc_cold_v=voc_cold,
        module_vmp_hot_v=vmp_hot,
        module_vmp_cold_v=vmp_cold,
        string_modules=smod,
        string_table=stab,
        string_block=block[stab],
        string_row=row[stab],
        string_u=u[stab],
        string_v=v[stab],
        warnings=warnings,
    )
