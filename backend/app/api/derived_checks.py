"""Design limits that follow from a request's inputs and the site, checked before a job is queued
(422 naming the inputs) rather than by the worker minutes later: whether any string length fits
the module and the electrical window, and whether the rows leave a gap at the site's latitude."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import InvalidInput

if TYPE_CHECKING:
    from app.api.schemas import LayoutGenerate


def check_derived_limits(body: LayoutGenerate, lat_deg: float) -> None:
    """InvalidInput naming the user's inputs when the engine would refuse the design: no string
    length fits module × electrical (`module_string_limits`), or the pitch leaves no gap between
    rows at `lat_deg` [° WGS84] (`resolve_design`). The same functions the worker runs."""
    from app.engine.blocks.profiles import load_profile
    from app.engine.electrical.params import parse_electrical_params
    from app.engine.electrical.stringing import module_string_limits
    from app.engine.pv.design import parse_design, resolve_design

    profile = load_profile(body.profile, body.overrides)
    design = parse_design({**profile.pv, **(body.pv.model_dump(exclude_none=True) if body.pv else {})})
    try:
        module_string_limits(design.module, body.electrical or parse_electrical_params(None))
    except InvalidInput as exc:
        raise InvalidInput(f"pv.module and electrical: {exc.message}") from exc
    try:
        resolve_design(design, lat_deg)
    except InvalidInput as exc:
        raise InvalidInput(f"pv: {exc.message} at this site's latitude {lat_deg:.2f}°") from exc
