"""The CSV export's wind tables (layouts with turbines and a wind resource): turbines.csv (each
turbine's position in the layout's UTM CRS [m], gross / net AEP [MWh/yr], wake loss [%]) and
wind_rose.csv (sector [°], frequency, mean speed at hub height [m/s])."""

from __future__ import annotations

from typing import Any

TURBINE_COLUMNS: tuple[str, ...] = ("id", "x_m", "y_m", "gross_aep_mwh", "net_aep_mwh", "wake_loss_pct")
ROSE_COLUMNS: tuple[str, ...] = ("sector_deg", "frequency", "mean_speed_m_s")


def wind_tables(wind: dict[str, Any]) -> list[tuple[str, tuple[str, ...], list[dict[str, Any]]]]:
    """(file name, columns, rows) of the wind tables present in design["wind"]."""
    out: list[tuple[str, tuple[str, ...], list[dict[str, Any]]]] = []
    turbines = [{k: t.get(k) for k in TURBINE_COLUMNS} for t in wind.get("turbines") or []]
    if turbines:
        out.append(("turbines.csv", TURBINE_COLUMNS, turbines))
    rose = [{k: s.get(k) for k in ROSE_COLUMNS} for s in wind.get("rose") or []]
    if rose:
        out.append(("wind_rose.csv", ROSE_COLUMNS, rose))
    return out
