"""Request bodies as the stored parameter documents the pipeline reads (`params_from_document`)."""

from __future__ import annotations

from typing import Any

from app.api.schemas import LayoutGenerate


def generate_params(body: LayoutGenerate) -> dict[str, Any]:
    """The stored parameters of a generate request: only the PV (and electrical, loss, cost)
    fields the user set, so the profile's defaults still apply to the rest."""
    params = body.model_dump(mode="json", exclude={"site_id", "pv", "electrical", "losses", "cost"})
    params["pv"] = body.pv.model_dump(mode="json", exclude_unset=True) if body.pv is not None else None
    # Likewise the electrical, loss and cost fields given: the worker fills in the defaults.
    params.update(body.nested_inputs())
    return params
