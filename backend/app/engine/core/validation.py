"""Request values → validated engine models, with one error style: "prefix.field: message"."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], values: dict[str, Any], prefix: str) -> M:
    """`model` built from `values`; `InvalidInput` naming `prefix.field` and the allowed range
    (pydantic's message, e.g. "Input should be less than or equal to 0.9") when a value is bad."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err.get("loc", ()))
        where = f"{prefix}.{field}" if field else prefix
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        raise InvalidInput(f"{where}: {msg}") from exc


def non_finite_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first NaN / ±Infinity number in a JSON-like value, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "value"
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = non_finite_path(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None
