"""Sample parcels shipped with the product: the README walkthrough, tests, e2e and benchmarks use them.

- `sample-site.kml`: a 25 ha rectangle in West Texas (one Polygon placemark, ≈ 455 × 555 m).
- `large-site.kml`: a 245 ha eight-vertex parcel near Phoenix, Arizona (one Polygon placemark).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SAMPLE_NAMES: tuple[str, ...] = ("sample-site.kml", "large-site.kml")


def sample_path(name: str) -> Path:
    """The file of a shipped sample parcel (one of `SAMPLE_NAMES`)."""
    if name not in SAMPLE_NAMES:
        raise KeyError(f"unknown sample {name!r}; choose one of {', '.join(SAMPLE_NAMES)}")
    return Path(str(resources.files("app.samples").joinpath(name)))


def sample_bytes(name: str) -> bytes:
    """The bytes of a shipped sample parcel (KML, WGS84)."""
    return sample_path(name).read_bytes()
