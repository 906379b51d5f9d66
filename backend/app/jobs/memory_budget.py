"""Keep a layout job inside a worker's memory.

Three layers, so one giant site can no longer OOM-kill workers (and be redelivered to kill the
next one):
1. `check_grid_budget`, at submit time in the API and again in the job: refuse a job whose
   terrain grid would not fit, naming a resolution that would;
2. `install_memory_guard`, in the worker process: cap its data segment (RLIMIT_DATA) just under
   the worker's memory, so an allocation past it raises MemoryError instead of summoning the
   kernel's OOM killer;
3. `within_memory_budget`, around the job's computation: a MemoryError becomes
   `JobOutOfMemory`, an `InvalidInput`, so the runner fails the job once, not retryable.
"""

from __future__ import annotations

import logging
import math
import os
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from shapely.geometry.base import BaseGeometry

from app.config import Settings
from app.dem.base import MAX_GRID_CELLS, MAX_RESOLUTION_M, MIN_RESOLUTION_M, margin_m_for
from app.engine.core.crs import site_crs, to_utm
from app.errors import InvalidInput

log = logging.getLogger(__name__)

# Peak memory of a layout job per terrain-grid cell [bytes]: measured 620-790 B/cell with the
# engine's working rasters (elevation, slope, masks, candidate scores) on 0.1-4.3 M cell grids
# (e.g. a 20 km square at 10 m: 4.26 M cells, 2.66 GB peak). Rounded up for headroom.
BYTES_PER_CELL = 800
# What the worker holds before a job starts (interpreter, numpy, GDAL, shapely, SQLAlchemy) [bytes].
BASELINE_BYTES = 300 * 1024 * 1024
# Share of the worker's memory a job may plan to use; the rest absorbs estimate error.
BUDGET_SHARE = 0.8
# The guard caps the data segment a little under the worker's memory, leaving room for code and
# shared libraries (not counted in RLIMIT_DATA), so MemoryError comes before the OOM killer.
GUARD_SHARE = 0.95
CGROUP_LIMIT_FILES = (
    Path("/sys/fs/cgroup/memory.max"),  # cgroup v2 (ECS on current AMIs, Docker)
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),  # cgroup v1
)
MIB = 1024 * 1024

F = TypeVar("F", bound=Callable[..., Any])


class JobTooLarge(InvalidInput):
    """The site's terrain grid would not fit in a worker's memory."""


class JobOutOfMemory(InvalidInput):
    """The layout job ran out of memory."""


def worker_memory_bytes(settings: Settings) -> int:
    """A worker's memory [bytes]: WORKER_MEMORY_MB, else the cgroup limit, else physical RAM."""
    if settings.worker_memory_mb:
        return settings.worker_memory_mb * MIB
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in CGROUP_LIMIT_FILES:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit():  # "max" (v2) or a huge number (v1) mean unlimited
            return min(int(text), physical)
    return int(physical)


def budget_cells(settings: Settings) -> int:
    """The largest terrain grid [cells] a job may use on this worker (also ≤ MAX_GRID_CELLS)."""
    usable = BUDGET_SHARE * worker_memory_bytes(settings) - BASELINE_BYTES
    return max(0, min(MAX_GRID_CELLS, int(usable // BYTES_PER_CELL)))


def grid_shape(boundary_wgs84: BaseGeometry, resolution_m: float) -> tuple[int, int]:
    """(width, height) [cells] of the site's terrain grid at `resolution_m` [m], as
    `app.dem.base.grid_spec_for` lays it out (UTM bounds plus margin, snapped to the cell size)."""
    minx, miny, maxx, maxy = to_utm(boundary_wgs84, site_crs(boundary_wgs84)).bounds
    m, r = margin_m_for(resolution_m), resolution_m
    width = round((math.ceil((maxx + m) / r) * r - math.floor((minx - m) / r) * r) / r)
    height = round((math.ceil((maxy + m) / r) * r - math.floor((miny - m) / r) * r) / r)
    return width, height


def finest_fitting_resolution(boundary_wgs84: BaseGeometry, max_cells: int) -> float | None:
    """The finest whole-metre resolution [m] whose grid has ≤ `max_cells` cells; None if even
    MAX_RESOLUTION_M does not fit. Cell counts fall as the cells grow: a binary search."""
    lo, hi = int(MIN_RESOLUTION_M), int(MAX_RESOLUTION_M)

    def fits(r: int) -> bool:
        width, height = grid_shape(boundary_wgs84, float(r))
        return width * height <= max_cells

    if not fits(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return float(hi)


def check_grid_budget(boundary_wgs84: BaseGeometry, resolution_m: float, settings: Settings) -> None:
    """Raise `JobTooLarge` when the site's grid at `resolution_m` [m] would not fit a worker.

    The message names the resolution that would fit, or says none does (only smaller sites will).
    """
    if boundary_wgs84.is_empty or not (MIN_RESOLUTION_M <= resolution_m <= MAX_RESOLUTION_M):
        return  # the grid itself refuses these, with its own message
    width, height = grid_shape(boundary_wgs84, resolution_m)
    max_cells = budget_cells(settings)
    if width * height <= max_cells:
        return
    need_gb = width * height * BYTES_PER_CELL / 1e9
    allowed_gb = max_cells * BYTES_PER_CELL / 1e9
    head = (
        f"the site needs a {width:,}×{height:,} terrain grid at {resolution_m:g} m (≈ {need_gb:,.1f} GB to "
        f"lay out), over the {allowed_gb:,.1f} GB a job may use on a worker with "
        f"{worker_memory_bytes(settings) // MIB:,} MB (WORKER_MEMORY_MB)"
    )
    fits = finest_fitting_resolution(boundary_wgs84, max_cells)
    if fits is not None and fits > resolution_m:
        raise JobTooLarge(f"{head}: choose a coarser dem_resolution_m of {fits:g} m or more")
    raise JobTooLarge(
        f"{head}, even at the coarsest {MAX_RESOLUTION_M:g} m grid: split the site into smaller sites"
    )


def within_memory_budget(compute: F) -> F:
    """Wrap a job's compute(job, *, settings, ...): check the grid budget first, and turn a
    MemoryError into `JobOutOfMemory` (not retryable: the same job would run out again)."""

    def guarded(job: Any, *args: Any, settings: Settings, **kwargs: Any) -> Any:
        check_grid_budget(job.site.boundary, job.params.dem_resolution_m, settings)
        try:
            return compute(job, *args, settings=settings, **kwargs)
        except MemoryError:
            raise JobOutOfMemory(
                f"the layout ran out of memory (the worker has {worker_memory_bytes(settings) // MIB:,} MB, "
                "WORKER_MEMORY_MB): choose a coarser dem_resolution_m or a smaller site"
            ) from None

    return guarded  # type: ignore[return-value]


def install_memory_guard(settings: Settings) -> int | None:
    """Cap this process's data segment (RLIMIT_DATA) at GUARD_SHARE of the worker's memory [bytes].

    RLIMIT_DATA, not RLIMIT_AS: since Linux 4.7 it counts the private memory that numpy and
    malloc map, but not the address space merely reserved for thread stacks and malloc arenas,
    which is several times a worker's resident size and would trip RLIMIT_AS early. Returns the
    limit set, or None when WORKER_MEMORY_GUARD is off or the platform refuses.
    """
    if not settings.worker_memory_guard:
        return None
    limit = int(GUARD_SHARE * worker_memory_bytes(settings))
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError) as exc:
        log.warning("could not cap the worker's memory: %s", exc)
        return None
    log.info("worker memory guard: data segment capped at %d MB", limit // MIB)
    return limit
