"""Electrical losses: ohmic (I²R) losses of the DC, LV and MV circuits at STC and over a year, and the
power-station transformers' no-load and load losses.

At STC every circuit carries its STC current, so the loss is Σ k·I²·R·L (k = 2 for a DC loop,
3 for three-phase). Over a year an I²R loss follows the square of the output: with p(t) the output
normalised to STC, the energy lost is P_loss,STC · Σp² while the energy produced is P_STC · Σp, so
the annual loss fraction = the STC fraction × f, f = Σp²/Σp (the "annual loss factor"; PVsyst's
wiring-loss convention). Without a yield simulation f defaults to 0.55 (typical of
utility plants at mid latitudes); `annual_loss_factor` computes it from an hourly power series.
Transformer: no-load loss all year (energised at night), load loss ∝ (S/S_rated)², hence
E_load = P_k · f · E_ac / P_rated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

HOURS_PER_YEAR = 8760.0


def annual_loss_factor(power_fraction: Iterable[float]) -> float:
    """f = Σp²/Σp for a series of output fractions of the STC (or rated) power [-]; 0 when dark."""
    p = np.clip(np.asarray(list(power_fraction), dtype=float), 0.0, None)
    s = float(p.sum())
    return float((p**2).sum() / s) if s > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class Losses:
    """Loss figures. *_stc_kw at STC output [kW]; *_pct as % of the power at that level
    (DC of the plant's kWp, LV / MV and transformer of the AC rating)."""

    dc_kwp: float
    ac_kw: float
    string_kw: float
    dc_feeder_kw: float
    lv_ac_kw: float
    mv_kw: float
    transformer_no_load_kw: float
    transformer_load_kw: float
    annual_loss_factor: float

    @property
    def dc_kw(self) -> float:
        return self.string_kw + self.dc_feeder_kw

    def to_dict(self, annual_energy_mwh: float | None = None) -> dict[str, object]:
        """JSON-ready figures; the annual transformer energy needs the plant's AC energy [MWh]."""
        f = self.annual_loss_factor
        dc_pct = 100.0 * self.dc_kw / self.dc_kwp if self.dc_kwp > 0 else 0.0
        lv_pct = 100.0 * self.lv_ac_kw / self.ac_kw if self.ac_kw > 0 else 0.0
        mv_pct = 100.0 * self.mv_kw / self.ac_kw if self.ac_kw > 0 else 0.0
        tr_nl_pct = 100.0 * self.transformer_no_load_kw / self.ac_kw if self.ac_kw > 0 else 0.0
        tr_ld_pct = 100.0 * self.transformer_load_kw / self.ac_kw if self.ac_kw > 0 else 0.0
        annual: dict[str, float] = {
            "loss_factor": f,
            "dc_ohmic_pct": round(dc_pct * f, 4),
            "lv_ac_ohmic_pct": round(lv_pct * f, 4),
            "mv_ohmic_pct": round(mv_pct * f, 4),
            "transformer_no_load_mwh": round(self.transformer_no_load_kw * HOURS_PER_YEAR / 1000.0, 3),
        }
        if annual_energy_mwh is not None and annual_energy_mwh > 0 and self.ac_kw > 0:
            load_mwh = self.transformer_load_kw * f * annual_energy_mwh / self.ac_kw
            nl_mwh = self.transformer_no_load_kw * HOURS_PER_YEAR / 1000.0
            annual["transformer_load_mwh"] = round(load_mwh, 3)
            annual["transformer_pct"] = round(100.0 * (load_mwh + nl_mwh) / annual_energy_mwh, 4)
        out: dict[str, object] = {
            "stc": {
                "string_kw": round(self.string_kw, 3),
                "dc_feeder_kw": round(self.dc_feeder_kw, 3),
                "dc_kw": round(self.dc_kw, 3),
                "dc_pct": round(dc_pct, 4),
                "lv_ac_kw": round(self.lv_ac_kw, 3),
                "lv_ac_pct": round(lv_pct, 4),
                "mv_kw": round(self.mv_kw, 3),
                "mv_pct": round(mv_pct, 4),
                "transformer_no_load_kw": round(self.transformer_no_load_kw, 3),
                "transformer_load_kw": round(self.transformer_load_kw, 3),
                "transformer_pct": round(tr_nl_pct + tr_ld_pct, 4),
            },
            "annual": annual,
        }
        return out


def compute_losses(
    *,
    dc_kwp: float,
    ac_kw: float,
    string_w: float,
    dc_feeder_w: float,
    lv_ac_w: float,
    mv_w: float,
    transformer_kva: float,
    no_load_pct: float,
    load_loss_pct: float,
    annual_factor: float,
) -> Losses:
    """Loss figures from the circuits' STC losses [W] and the transformers' total rating [kVA];
    transformer loss percentages of the rating."""
    return Losses(
        dc_kwp=dc_kwp,
        ac_kw=ac_kw,
        string_kw=string_w / 1000.0,
        dc_feeder_kw=dc_feeder_w / 1000.0,
        lv_ac_kw=lv_ac_w / 1000.0,
        mv_kw=mv_w / 1000.0,
        transformer_no_load_kw=transformer_kva * no_load_pct / 100.0,
        transformer_load_kw=transformer_kva * load_loss_pct / 100.0,
        annual_loss_factor=annual_factor,
    )
