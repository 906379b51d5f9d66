"""PV plant design at table level: modules, structures, rows, inverter blocks (site UTM CRS, metres)."""
