"""Energy yield of a PV plant over a weather year (pvlib): `simulate_plant` → `EnergyResult`.

Pure: takes a `WeatherData` (pandas) and a `PvPlant`; no files, network or database.
"""

from app.engine.energy.losses import DEFAULT_LOSSES, Losses, parse_losses
from app.engine.energy.simulate import simulate_plant
from app.engine.energy.types import CLEARSKY_LABEL, EnergyResult, WeatherData, check_weather_frame

__all__ = [
    "CLEARSKY_LABEL",
    "DEFAULT_LOSSES",
    "EnergyResult",
    "Losses",
    "WeatherData",
    "check_weather_frame",
    "parse_losses",
    "simulate_plant",
]
