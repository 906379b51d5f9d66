"""The BESS blocks follow the battery (count and NFPA 855 gap) and the CLI's storage inputs parse."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from app.cli.storage_options import parse_window, read_load_profile, storage_request
from app.engine.blocks.profiles import load_profile
from app.engine.core.types import LayoutParams
from app.errors import InvalidInput
from app.pipeline.hybrid import blocks_needed, layout_params


def test_a_fixed_battery_sets_the_block_count_and_the_nfpa_gap() -> None:
    params = LayoutParams(
        target_capacity_kw=30_000, profile="hybrid", storage={"power_mw": 10, "energy_mwh": 40}
    )
    out = layout_params(params)
    profile = load_profile(out.profile, out.overrides)
    block = next(b for b in profile.blocks if b.name == "bess_block")
    # Two 3,727 kWh containers per block, 1,863.5 kW each:
    # ⌈40,000 / 7,454⌉ = 6 for energy, ⌈10,000 / 3,727⌉ = 3 for power.
    assert blocks_needed(profile, 40_000, 10_000) == 6
    assert block.per_generating_kw is not None
    assert math.ceil(30_000 / block.per_generating_kw) == 6  # the placer's own rule gives 6 blocks
    xs = sorted(c.dx_m for c in block.components)
    # Containers (6.06 m) either side of the PCS (6.06 m), 0.914 m (3 ft) apart edge to edge.
    assert xs[1] - xs[0] - 6.06 == pytest.approx(0.914) and xs[2] - xs[1] - 6.06 == pytest.approx(0.914)
    assert profile.asset_types["battery_container"].clearance_m == pytest.approx(0.914)


def test_a_ul9540a_gap_overrides_nfpa() -> None:
    params = LayoutParams(target_capacity_kw=30_000, profile="hybrid",
                          storage={"container_gap_m": 0.15, "ul9540a_product": "X"})  # fmt: skip
    profile = load_profile("hybrid", layout_params(params).overrides)
    assert profile.asset_types["pcs"].clearance_m == pytest.approx(0.15)


def test_solar_only_layouts_are_unchanged() -> None:
    params = LayoutParams(target_capacity_kw=5_000)
    assert layout_params(params) is params


def test_cli_inputs(tmp_path: Path) -> None:
    assert parse_window("18-22") == [18, 22]
    with pytest.raises(InvalidInput, match="--firm-window"):
        parse_window("18")
    f = tmp_path / "load.csv"
    f.write_text("hour,load_mw\n" + "".join(f"{h},{h % 5}\n" for h in range(24)))
    assert read_load_profile(f) == [float(h % 5) for h in range(24)]
    f.write_text("1\n2\n")
    with pytest.raises(InvalidInput, match="give 24 or 8760"):
        read_load_profile(f)
    storage, gas = storage_request(
        firm_power_mw=5,
        firm_hours=None,
        firm_window=None,
        firm_days_share=0.9,
        storage_mw=None,
        storage_mwh=None,
        load_profile=None,
        gas_fuel_price=4.0,
    )
    assert storage == {"firm_power_mw": 5, "firm_window": [18, 22], "firm_days_share": 0.9}
    assert gas == {"fuel_price_usd_per_mmbtu": 4.0}
    with pytest.raises(InvalidInput, match=r"storage\.firm_days_share"):
        storage_request(firm_power_mw=5, firm_hours=None, firm_window="18-22", firm_days_share=0,
                        storage_mw=None, storage_mwh=None, load_profile=None)  # fmt: skip
