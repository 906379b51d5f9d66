"""The hourly firm target [MW] a request asks for, over a year of hours."""

from __future__ import annotations

import numpy as np

from app.engine.storage.params import StorageInput, firm_hours_of_day


def target_series(params: StorageInput, n_hours: int) -> np.ndarray:
    """F_t [MW] for t = 0..n_hours−1 (hour 0 = 00:00 of day 1): firm_power_mw on the firm hours of
    every day; a 24-value load profile repeated each day, an 8760-value one as given; zeros when
    there is no target."""
    out = np.zeros(n_hours)
    hod = np.arange(n_hours) % 24
    if params.firm_power_mw is not None and params.firm_window is not None:
        hours = firm_hours_of_day(params.firm_window, params.firm_hours)
        out[np.isin(hod, hours)] = params.firm_power_mw
    elif params.load_profile_mw is not None:
        prof = np.asarray(params.load_profile_mw, dtype=float)
        out = prof[hod] if len(prof) == 24 else np.resize(prof, n_hours)
    return out
