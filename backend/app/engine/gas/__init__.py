"""Gas units that fill what PV, wind and storage cannot deliver of a firm target."""
