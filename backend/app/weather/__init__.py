"""Weather for the energy yield: a port (`base.WeatherSource`) with adapters — an uploaded file,
PVGIS TMY over HTTP and an offline clear-sky fallback — tried in WEATHER_SOURCE order by
`service.load_weather`."""
