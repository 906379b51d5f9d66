"""Cost of a PV plant: CAPEX from the bill of quantities, OPEX, real LCOE and NPV."""
