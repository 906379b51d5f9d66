"""Battery storage sized to a purpose: an hourly-year LP / MIP (HiGHS) over PV (+ wind) generation."""
