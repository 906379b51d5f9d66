"""Mix warnings: say when a hybrid plant's generation mix differs from the shares asked for.

A profile splits the target between generating block types by `share` (e.g. 60 % wind, 40 % PV).
When a type cannot place its share the others make up the rest, which changes what the plant is;
storage sized for PV that was never placed charges from nothing. Capacities in kW (AC).
"""

from __future__ import annotations

from collections import defaultdict

from app.engine.blocks.placement import Placement
from app.engine.blocks.profiles import BlockSpec, Profile

# Below this [kW] two capacities count as equal (float sums over many assets).
KW_TOL = 1e-3


def _label(profile: Profile, block: BlockSpec) -> str:
    """A short human name for a generating block type ("wind turbine", "PV")."""
    gen = [c.asset_type for c in block.components if profile.asset_types[c.asset_type].generating]
    if not gen or gen[0] == "pv_block":
        return "PV"
    label = profile.asset_types[gen[0]].label or gen[0].replace("_", " ")
    return label.split(" (")[0].lower()


def placed_kw_by_block(
    placement: Placement, pv_block: str | None = None, pv_kw: float = 0.0
) -> dict[str, float]:
    """Generating capacity placed per block type [kW]; PV designed outside the placer (`pv_block`,
    `pv_kw`) is added under its block name."""
    out: dict[str, float] = defaultdict(float)
    for c in placement.components:
        out[placement.blocks[c.block_index].name] += c.capacity_kw
    if pv_block is not None:
        out[pv_block] += pv_kw
    return dict(out)


def mix_warnings(
    profile: Profile, target_kw: float, placement: Placement, *, pv_block: str | None, pv_kw: float
) -> list[str]:
    """Warnings, with both numbers, for every share placed short of what was asked and who made up
    the rest, and for storage placed beside no PV.

    target_kw: the plant's target [kW]; placement: the placer's blocks; pv_block: the name of the
    PV block designed table by table outside the placer (None if none); pv_kw: its AC capacity [kW].
    A share counts as short when it lost at least one whole block against what was asked (the
    placer rounds shares down to whole blocks)."""
    placed_kw = placed_kw_by_block(placement, pv_block, pv_kw)
    storage_kwh = float(sum(c.storage_kwh for c in placement.components))
    warnings: list[str] = []
    shares = [b for b in profile.blocks if b.share is not None]
    if len(shares) >= 2:
        asked = {b.name: target_kw * float(b.share or 0.0) for b in shares}
        block_kw = {
            b.name: sum(
                profile.asset_types[c.asset_type].capacity_kw
                for c in b.components
                if profile.asset_types[c.asset_type].generating
            )
            for b in shares
        }
        over = [b for b in shares if placed_kw.get(b.name, 0.0) > asked[b.name] + KW_TOL]
        for b in shares:
            got = placed_kw.get(b.name, 0.0)
            # PV is designed table by table, so any shortfall counts; other blocks come whole.
            step = 0.0 if b.name == pv_block else block_kw[b.name]
            if got >= asked[b.name] - step - KW_TOL:
                continue
            pct = 100 * float(b.share or 0.0)
            msg = (
                f"{_label(profile, b)} fell short of its share: placed {got:,.0f} kW against "
                f"{asked[b.name]:,.0f} kW ({pct:g}% of the {target_kw:,.0f} kW target)"
            )
            if over:
                extra = ", ".join(
                    f"{_label(profile, o)} {placed_kw.get(o.name, 0.0):,.0f} kW "
                    f"against its {asked[o.name]:,.0f} kW share"
                    for o in over
                )
                msg += f"; topped up with {extra}"
            warnings.append(msg)
    if pv_block is not None and storage_kwh > 0 and placed_kw.get(pv_block, 0.0) <= KW_TOL:
        pv_share = next((b.share for b in shares if b.name == pv_block), None)
        asked_pv = f" (its share: {target_kw * pv_share:,.0f} kW)" if pv_share is not None else ""
        warnings.append(f"{storage_kwh:,.0f} kWh of storage placed beside 0 kW of PV{asked_pv}")
    return warnings


# A plant more than this much over its target [%] is warned about (issue 22): whole units overshoot.
OVERSHOOT_PCT = 5.0


def overshoot_warning(
    profile: Profile,
    target_kw: float,
    placement: Placement,
    *,
    pv_block: str | None,
    pv_kw: float,
) -> str | None:
    """The warning for a plant whose capacity exceeds `target_kw` [kW AC] by more than
    `OVERSHOOT_PCT`: by how much, and why — the unit sizes placed (e.g. "2 × 48,000 kW gas
    turbine"), since blocks come whole. None within the margin."""
    total = placement.capacity_kw + pv_kw
    if target_kw <= 0 or total <= target_kw * (1.0 + OVERSHOOT_PCT / 100.0) + KW_TOL:
        return None
    counts: dict[str, int] = defaultdict(int)
    for i, b in enumerate(placement.blocks):
        if any(c.block_index == i and c.capacity_kw > 0 for c in placement.components):
            counts[b.name] += 1
    parts = []
    for spec in profile.blocks:
        unit_kw = sum(
            profile.asset_types[c.asset_type].capacity_kw
            for c in spec.components
            if profile.asset_types[c.asset_type].generating
        )
        if spec.name == pv_block and pv_kw > KW_TOL:
            parts.append(f"PV {pv_kw:,.0f} kW")
        elif counts.get(spec.name) and unit_kw > 0:
            parts.append(f"{counts[spec.name]} × {unit_kw:,.0f} kW {_label(profile, spec)}")
    excess = total - target_kw
    return (
        f"capacity over target: placed {total:,.0f} kW against the {target_kw:,.0f} kW target "
        f"(+{excess:,.0f} kW, +{100.0 * excess / target_kw:.0f} %) because generating units come whole: "
        f"{' + '.join(parts)}; lower the target or the unit size to come closer"
    )
