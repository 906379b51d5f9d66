"""Electrical design of a PV plant: stringing, DC / LV collection, MV feeders, losses, bill of quantities."""
