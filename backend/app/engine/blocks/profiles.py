"""Layout profiles: what a plant is made of, as data (JSON in `app/engine/blocks/profile_data/`).

A profile lists asset types (footprint, capacity, slope limit, clearance) and blocks: the units the
placer repeats. A block is one or more components (asset types at fixed offsets in the block's
frame), so a PV block carries its power station and a gas-turbine block its cooling unit. Blocks
are sized by exactly one rule: `share` of the target capacity (generating blocks), one per
`per_generating_kw` of target (storage / auxiliary blocks), or a fixed `count` (substation, O&M).

Block frame: x to the east, y to the north [m] at rotation 0, origin at the block's centre.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.engine.core.names import PROFILE_NAMES
from app.errors import InvalidInput

AccessSide = Literal["south", "north", "east", "west"]


class AssetSpec(BaseModel):
    """One asset type.

    width_m: east-west extent at rotation 0 [m]; length_m: north-south extent [m].
    capacity_kw: generating (or, for BESS in a `bess` plant, discharge) power [kW]; only assets with
    `generating` true count toward the target. storage_kwh: usable energy [kWh].
    max_slope_deg: steepest natural ground allowed under the pad [degrees].
    clearance_m: minimum edge-to-edge distance to any other footprint [m]; a pair needs the larger
    of their two clearances.
    grading: "level" — a pad levelled flat (equipment, buildings, containers, turbines);
    "follow" — piled racking that follows the ground's own plane (PV arrays), so only undulations
    beyond ±grading_tolerance_m [m] (the pile-reveal tolerance) are cut or filled.
    """

    model_config = ConfigDict(extra="forbid")

    label: str = ""
    width_m: float = Field(gt=0.5, le=2000)
    length_m: float = Field(gt=0.5, le=2000)
    capacity_kw: float = Field(default=0.0, ge=0, le=2_000_000)
    storage_kwh: float = Field(default=0.0, ge=0, le=20_000_000)
    generating: bool = False
    max_slope_deg: float = Field(gt=0, le=45)
    clearance_m: float = Field(ge=0, le=500)
    rotor_diameter_m: float | None = Field(default=None, gt=10, le=400)
    grading: Literal["level", "follow"] = "level"
    grading_tolerance_m: float = Field(default=0.0, ge=0, le=5)
    source: str = ""

    @model_validator(mode="after")
    def _generating_has_capacity(self) -> AssetSpec:
        if self.generating and self.capacity_kw <= 0:
            raise ValueError("a generating asset needs capacity_kw > 0")
        return self


class Component(BaseModel):
    """An asset inside a block: its centre at (dx_m, dy_m) in the block frame [m]."""

    model_config = ConfigDict(extra="forbid")

    asset_type: str
    dx_m: float = Field(default=0.0, ge=-2000, le=2000)
    dy_m: float = Field(default=0.0, ge=-2000, le=2000)


class BlockSpec(BaseModel):
    """A repeatable unit of components, sized by exactly one of share / per_generating_kw / count.

    share: fraction of the target capacity this block type provides (generating blocks); the last
    generating block type in the list fills whatever the others leave.
    per_generating_kw: one block per this much target capacity [kW] (e.g. BESS beside gas turbines).
    count: a fixed number of blocks (substation, O&M building).
    spacing_rotor_diameters: (across, along) minimum centre spacing in rotor diameters (turbines).
    rotations_deg: lattice rotations the placer may try, clockwise from north [degrees].
    hub: the block roads converge on (the substation); one per profile.
    access_side: the slot side the road reaches (the power station / door side).
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    components: list[Component] = Field(min_length=1, max_length=16)
    share: float | None = Field(default=None, gt=0, le=1)
    per_generating_kw: float | None = Field(default=None, gt=0, le=10_000_000)
    count: int | None = Field(default=None, ge=1, le=20)
    spacing_rotor_diameters: tuple[float, float] | None = None
    rotations_deg: list[float] = Field(default_factory=lambda: [0.0], min_length=1, max_length=8)
    hub: bool = False
    access_side: AccessSide = "south"

    @model_validator(mode="after")
    def _one_sizing_rule(self) -> BlockSpec:
        rules = [self.share is not None, self.per_generating_kw is not None, self.count is not None]
        if sum(rules) != 1:
            raise ValueError(f"block {self.name!r}: set exactly one of share, per_generating_kw, count")
        return self


class RoadSpec(BaseModel):
    """Road design values: carriageway widths [m] per class and the maximum grade [%]."""

    model_config = ConfigDict(extra="forbid")

    width_m: float = Field(default=6.0, ge=3, le=20)
    secondary_width_m: float = Field(default=6.0, ge=3, le=20)
    spur_width_m: float = Field(default=5.0, ge=3, le=20)
    max_grade_pct: float = Field(default=10.0, ge=2, le=30)


class Profile(BaseModel):
    """A plant type: asset types, blocks and road design."""

    model_config = ConfigDict(extra="forbid")

    name: str
    label: str
    description: str
    asset_types: dict[str, AssetSpec]
    blocks: list[BlockSpec] = Field(min_length=1)
    road: RoadSpec = Field(default_factory=RoadSpec)
    # Default PV design inputs of the profile (`app.engine.pv.design.PvDesign` fields); a request's
    # `pv` values override them. Used by profiles whose blocks include "pv_block".
    pv: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        for block in self.blocks:
            for comp in block.components:
                if comp.asset_type not in self.asset_types:
                    raise ValueError(f"block {block.name!r} uses unknown asset type {comp.asset_type!r}")
            _check_block_clearances(block, self.asset_types)
            if block.share is not None and not any(
                self.asset_types[c.asset_type].generating for c in block.components
            ):
                raise ValueError(f"block {block.name!r} has a share but no generating component")
        if sum(1 for b in self.blocks if b.hub) != 1:
            raise ValueError("a profile needs exactly one hub block (the substation)")
        if not any(b.share is not None for b in self.blocks):
            raise ValueError("a profile needs at least one generating block with a share")
        return self

    def block_capacity_kw(self, block: BlockSpec) -> float:
        """Generating capacity of one block [kW]."""
        return sum(
            self.asset_types[c.asset_type].capacity_kw
            for c in block.components
            if self.asset_types[c.asset_type].generating
        )


def _check_block_clearances(block: BlockSpec, types: dict[str, AssetSpec]) -> None:
    """Components of one block must keep their clearances from each other (a hard constraint)."""
    rects = []
    for c in block.components:
        a = types[c.asset_type]
        rects.append(
            (
                c.dx_m - a.width_m / 2,
                c.dy_m - a.length_m / 2,
                c.dx_m + a.width_m / 2,
                c.dy_m + a.length_m / 2,
                a.clearance_m,
            )
        )
    for i in range(len(rects)):
        for j in range(i + 1, len(rects)):
            ax0, ay0, ax1, ay1, ac = rects[i]
            bx0, by0, bx1, by1, bc = rects[j]
            gx = max(bx0 - ax1, ax0 - bx1, 0.0)
            gy = max(by0 - ay1, ay0 - by1, 0.0)
            if (gx * gx + gy * gy) ** 0.5 < max(ac, bc) - 1e-9:
                raise ValueError(
                    f"block {block.name!r}: components {i} and {j} are closer than their clearance"
                )


@lru_cache(maxsize=16)
def _load_raw(name: str) -> dict[str, Any]:
    text = resources.files("app.engine.blocks").joinpath("profile_data", f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=16)
def _load(name: str) -> Profile:
    return Profile.model_validate(_load_raw(name))


def load_profile(name: str, overrides: dict[str, dict[str, Any]] | None = None) -> Profile:
    """The named profile with per-asset-type overrides applied and re-validated.

    overrides: {asset_type: {field: value}} (e.g. {"pv_block": {"max_slope_deg": 8}}), or
    {"road": {...}} for road design values, or {"blocks": {block name: {BlockSpec field: value}}}
    (the storage step sets the BESS block count and unit gap this way; a sizing rule given replaces
    the block's other one). Raises `InvalidInput` for an unknown profile, asset
    type, field or an out-of-range value.
    """
    if name not in PROFILE_NAMES:
        raise InvalidInput(f"unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}")
    profile = _load(name)
    if not overrides:
        return profile
    if not isinstance(overrides, dict):
        raise InvalidInput("overrides must be an object of {asset_type: {field: value}}")
    data = profile.model_dump()
    for key, values in overrides.items():
        if not isinstance(values, dict):
            raise InvalidInput(f"override for {key!r} must be an object")
        if key == "road":
            data["road"].update(values)
        elif key == "blocks":
            _override_blocks(data, values, name)
        elif key == "pv":
            data["pv"].update(values)
        elif key in data["asset_types"]:
            data["asset_types"][key].update(values)
        else:
            raise InvalidInput(f"override for unknown asset type {key!r} in profile {name!r}")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err.get("loc", ())]
        # The profile's path (asset_types.power_station.max_slope_deg) as the request spells it.
        where = ".".join(loc[1:] if loc[:1] == ["asset_types"] else loc)
        text = f"overrides.{where}: {err.get('msg', exc)}" if where else f"invalid override: {exc}"
        raise InvalidInput(text) from exc


SIZING_RULES = ("share", "per_generating_kw", "count")


def _override_blocks(data: dict[str, Any], values: dict[str, Any], profile: str) -> None:
    by_name = {b["name"]: b for b in data["blocks"]}
    for block, fields in values.items():
        if block not in by_name or not isinstance(fields, dict):
            raise InvalidInput(f"overrides.blocks: no block {block!r} in profile {profile!r}")
        if any(k in fields for k in SIZING_RULES):
            for k in SIZING_RULES:
                by_name[block][k] = None
        by_name[block].update(fields)


def list_profiles() -> list[dict[str, Any]]:
    """Every profile as plain data for `GET /api/layouts/profiles` (name, label, description,
    asset types with their specs, blocks and road design)."""
    return [_load(name).model_dump() for name in PROFILE_NAMES]


def asset_slope_limits() -> dict[str, float]:
    """Each asset type's steepest allowed ground [degrees] across all profiles (the strictest wins).

    The terrain summary's "buildable share per asset class" uses these, so it answers for the
    assets the engine will actually place.
    """
    from app.engine.core.names import PROFILE_NAMES

    limits: dict[str, float] = {}
    for name in PROFILE_NAMES:
        for asset_type, spec in load_profile(name).asset_types.items():
            limits[asset_type] = min(limits.get(asset_type, 90.0), float(spec.max_slope_deg))
    return dict(sorted(limits.items()))
