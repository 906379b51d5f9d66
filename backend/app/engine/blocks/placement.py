"""Asset placement: lattices of candidate block slots, filtered by the hard constraints, ranked by
the strategy's weights.

Everything here is in the site's UTM CRS [m]. The hard constraints are enforced exactly:
- inside the usable area (boundary shrunk by the setback, minus exclusions grown by their buffers):
  a vectorised raster pre-check accepts slots whose bounding box covers only cells lying wholly
  inside; the rest are tested exactly with `shapely.contains`;
- pad slope: the maximum Horn slope over every grid cell the footprint's bounding box touches must
  not exceed the asset's limit (summed-area tables, so it costs O(1) per candidate);
- clearance: slots of one lattice are spaced by footprint + clearance, so they never conflict with
  each other; conflicts with earlier blocks are found with an STRtree and exact distances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from rasterio import features
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from app.engine.blocks.profiles import BlockSpec, Profile
from app.engine.blocks.strategies import StrategyWeights
from app.engine.core.crs import to_utm
from app.engine.core.grid import Grid
from app.engine.core.types import SiteInput
from app.errors import EngineError, NoGridConnection

# Extra spacing added to every lattice pitch and required distance [m]: keeps "at least the
# clearance" true after the round trip through WGS84 and floating-point noise.
EPS_M = 0.01
# Segments per quarter circle for every buffer that enforces a hard constraint.
QUAD_SEGS = 16
# Candidate positions scored for fixed blocks (substation, O&M) before exact checks.
FIXED_CANDIDATES = 400
FIXED_LATTICE_MAX = 30_000
# Rotations (every 15°, half a turn: footprints are rectangles) in the hub's wide search.
HUB_ROTATIONS = 12
# Candidate slots evaluated per block type across all lattice offsets (bounds the search time).
LATTICE_BUDGET = 250_000
# Offsets per axis searched when the strategy's own search cannot fit the target.
FINE_OFFSETS = 6


@dataclass(frozen=True, kw_only=True)
class PlacedComponent:
    """One placed asset in UTM. polygon: footprint [m]; rotation_deg clockwise from north."""

    asset_type: str
    polygon: Polygon
    rotation_deg: float
    block_index: int
    capacity_kw: float
    storage_kwh: float
    clearance_m: float
    max_slope_deg: float


@dataclass(frozen=True, kw_only=True)
class PlacedBlock:
    """One placed block in UTM: its centre and road access point (x, y) [m]."""

    name: str
    centre: tuple[float, float]
    rotation_deg: float
    access: tuple[float, float]
    hub: bool


@dataclass(kw_only=True)
class Placement:
    """The placer's answer, in UTM."""

    components: list[PlacedComponent] = field(default_factory=list)
    blocks: list[PlacedBlock] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def capacity_kw(self) -> float:
        return float(sum(c.capacity_kw for c in self.components))


def arc_safe(distance_m: float) -> float:
    """A buffer distance [m] whose polygonal arcs never cut inside the true `distance_m` circle.

    Shapely puts arc vertices on the circle, so chords dip inside it by up to d·(1 - cos(θ/2));
    dividing by cos(θ/2) moves the chords out onto the circle, and EPS_M adds a margin."""
    return distance_m / math.cos(math.pi / (4 * QUAD_SEGS)) + EPS_M


def usable_area(boundary: BaseGeometry, setback_m: float, keepouts: list[BaseGeometry]) -> BaseGeometry:
    """Where footprints may go: `boundary` shrunk by `setback_m` minus the (already buffered)
    keep-outs, all in UTM [m]. A small safety margin covers the chords that approximate arcs."""
    usable = boundary.buffer(-arc_safe(setback_m), quad_segs=QUAD_SEGS)
    if keepouts:
        usable = usable.difference(shapely.union_all(keepouts))
    return shapely.make_valid(usable) if not usable.is_valid else usable


def site_keepouts(site: SiteInput, crs: str) -> tuple[BaseGeometry, list[BaseGeometry]]:
    """The site's boundary and its exclusion zones grown by their buffers (arc-safe), in `crs`
    (the site's UTM zone) [m]: with `usable_area`, the keep-out rule every footprint obeys, and
    the one the terrain API's buildable preview draws."""
    boundary = to_utm(site.boundary, crs)
    if not boundary.is_valid:
        boundary = shapely.make_valid(boundary)
    keepouts = [
        to_utm(ex.geometry, crs).buffer(arc_safe(ex.buffer_m), quad_segs=QUAD_SEGS) for ex in site.exclusions
    ]
    return boundary, [shapely.make_valid(k) if not k.is_valid else k for k in keepouts]


class SiteRaster:
    """Summed-area tables over the grid for O(1) statistics of any axis-aligned box of cells."""

    def __init__(self, grid: Grid, slope_deg: np.ndarray, usable: BaseGeometry, slope_limits: set[float]):
        t = grid.transform
        if t.b != 0 or t.d != 0 or t.e >= 0:
            raise EngineError("the terrain grid must be north-up")
        self.grid = grid
        self.res = grid.resolution_m
        self.x0 = float(t.c)
        self.y0 = float(t.f)
        self.rows, self.cols = grid.shape
        z = np.asarray(grid.data, dtype=np.float64)
        valid = np.isfinite(z)
        zmean = float(np.nanmean(z)) if valid.any() else 0.0
        zc = np.where(valid, z - zmean, 0.0)
        self.i_z = _integral(zc)
        self.i_z2 = _integral(zc * zc)
        self.i_valid = _integral(valid.astype(np.int64))
        slope = np.asarray(slope_deg, dtype=np.float64)
        self.slope = slope
        self.i_slope = _integral(np.where(np.isfinite(slope), slope, 90.0))
        # NaN compares False, so nodata cells count as too steep.
        self.i_bad = {lim: _integral((~(slope <= lim)).astype(np.int64)) for lim in slope_limits}
        shrunk = usable.buffer(-0.75 * self.res) if not usable.is_empty else usable
        if shrunk.is_empty:
            interior = np.zeros(grid.shape, dtype=bool)
        else:
            interior = features.geometry_mask(
                [shrunk], out_shape=grid.shape, transform=t, invert=True, all_touched=False
            )
        self.i_notinterior = _integral((~interior).astype(np.int64))
        # Cells the usable area touches at all: a footprint covering any other cell is outside it.
        if usable.is_empty:
            touched = np.zeros(grid.shape, dtype=bool)
        else:
            touched = features.geometry_mask(
                [usable], out_shape=grid.shape, transform=t, invert=True, all_touched=True
            )
        self.touched = touched
        self.i_untouched = _integral((~touched).astype(np.int64))
        std = float(np.nanstd(z)) if valid.any() else 0.0
        self.sigma_scale = max(0.5, std)

    def cells(
        self, minx: np.ndarray, miny: np.ndarray, maxx: np.ndarray, maxy: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Cell ranges [r0, r1) x [c0, c1) touched by boxes in UTM [m], and whether each box lies
        on the grid. Boxes are grown by a millimetre so edge-touching cells count."""
        e = 1e-3
        c0 = np.floor((minx - e - self.x0) / self.res).astype(np.int64)
        c1 = np.floor((maxx + e - self.x0) / self.res).astype(np.int64) + 1
        r0 = np.floor((self.y0 - maxy - e) / self.res).astype(np.int64)
        r1 = np.floor((self.y0 - miny + e) / self.res).astype(np.int64) + 1
        on = (c0 >= 0) & (r0 >= 0) & (c1 <= self.cols) & (r1 <= self.rows)
        return (
            np.clip(r0, 0, self.rows),
            np.clip(r1, 0, self.rows),
            np.clip(c0, 0, self.cols),
            np.clip(c1, 0, self.cols),
            on,
        )

    @staticmethod
    def box_sum(i: np.ndarray, r0: np.ndarray, r1: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
        out: np.ndarray = i[r1, c1] - i[r0, c1] - i[r1, c0] + i[r0, c0]
        return out


def _integral(a: np.ndarray) -> np.ndarray:
    out = np.zeros((a.shape[0] + 1, a.shape[1] + 1), dtype=a.dtype)
    np.cumsum(np.cumsum(a, axis=0), axis=1, out=out[1:, 1:])
    return out


def _rot(theta_deg: float) -> tuple[float, float]:
    t = math.radians(theta_deg)
    return math.cos(t), math.sin(t)


def _to_world(local: np.ndarray, cos: float, sin: float) -> np.ndarray:
    """Block-frame offsets (..., 2) rotated clockwise by the block rotation into east/north [m]."""
    x, y = local[..., 0], local[..., 1]
    return np.stack([x * cos + y * sin, -x * sin + y * cos], axis=-1)


@dataclass(frozen=True)
class _Kind:
    """A block spec with its geometry pre-computed in the block frame [m]."""

    spec: BlockSpec
    types: tuple[str, ...]
    offsets: np.ndarray  # (k, 2) component centres
    half: np.ndarray  # (k, 2) half width / half length
    clearance: np.ndarray  # (k,)
    max_slope: np.ndarray  # (k,)
    capacity: np.ndarray  # (k,) counted capacity (0 unless generating)
    storage: np.ndarray  # (k,)
    slot: tuple[float, float, float, float]  # block-frame bounds of the components
    pitch: tuple[float, float]
    main: int  # component with the largest area (drives scores)

    @staticmethod
    def of(spec: BlockSpec, profile: Profile) -> _Kind:
        types = tuple(c.asset_type for c in spec.components)
        a = [profile.asset_types[t] for t in types]
        offsets = np.array([[c.dx_m, c.dy_m] for c in spec.components], dtype=float)
        half = np.array([[s.width_m / 2, s.length_m / 2] for s in a], dtype=float)
        clearance = np.array([s.clearance_m for s in a], dtype=float)
        lo = (offsets - half).min(axis=0)
        hi = (offsets + half).max(axis=0)
        c = float(clearance.max())
        pu = float(hi[0] - lo[0]) + c + 2 * EPS_M
        pv = float(hi[1] - lo[1]) + c + 2 * EPS_M
        if spec.spacing_rotor_diameters is not None:
            rd = max((s.rotor_diameter_m or 0.0) for s in a)
            pu = max(pu, spec.spacing_rotor_diameters[0] * rd)
            pv = max(pv, spec.spacing_rotor_diameters[1] * rd)
        area = half[:, 0] * half[:, 1]
        return _Kind(
            spec=spec,
            types=types,
            offsets=offsets,
            half=half,
            clearance=clearance,
            max_slope=np.array([s.max_slope_deg for s in a], dtype=float),
            capacity=np.array([s.capacity_kw if s.generating else 0.0 for s in a], dtype=float),
            storage=np.array([s.storage_kwh for s in a], dtype=float),
            slot=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])),
            pitch=(pu, pv),
            main=int(np.argmax(area)),
        )

    @property
    def block_capacity_kw(self) -> float:
        return float(self.capacity.sum())


@dataclass
class _Candidates:
    """Valid candidate block positions of one lattice, ranked by score (lowest first)."""

    kind: _Kind
    centres: np.ndarray  # (n, 2) block origins [m]
    score: np.ndarray  # (n,)
    rotation_deg: float

    def polys(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Footprint polygons (m, k) of candidates `rows` (all when None)."""
        c = self.centres if rows is None else self.centres[rows]
        return _footprints(self.kind, c, self.rotation_deg)


def _footprints(kind: _Kind, centres: np.ndarray, theta: float) -> np.ndarray:
    """Footprint polygons (n, k) of blocks with origins `centres` (n, 2) rotated by `theta` [deg]."""
    cos, sin = _rot(theta)
    comp_c = centres[:, None, :] + _to_world(kind.offsets, cos, sin)[None, :, :]
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    corners_local = signs[None, :, :] * kind.half[:, None, :]  # (k, 4, 2)
    corners = comp_c[:, :, None, :] + _to_world(corners_local, cos, sin)[None, :, :, :]
    out: np.ndarray = shapely.polygons(corners)
    return out


class Placer:
    """Places the blocks of one profile on one site; see the module docstring."""

    def __init__(
        self,
        *,
        profile: Profile,
        weights: StrategyWeights,
        raster: SiteRaster,
        usable: BaseGeometry,
        entry: Point | None,
        skip: frozenset[str] = frozenset(),
        centre_areas: dict[str, BaseGeometry] | None = None,
    ) -> None:
        """skip: block names placed elsewhere (the table-level PV design places "pv_block").
        centre_areas: per block name, where its origin must lie (UTM) besides the usual rules
        (wind turbines: the tip-height setback, app/engine/wind/layout.py)."""
        self.skip = skip
        self.centre_areas = dict(centre_areas or {})
        self.profile = profile
        self.w = weights
        self.raster = raster
        self.usable = usable
        shapely.prepare(self.usable)
        minx, miny, maxx, maxy = usable.bounds if not usable.is_empty else (0.0, 0.0, 1.0, 1.0)
        self.bounds = (minx, miny, maxx, maxy)
        self.diag = max(1.0, math.hypot(maxx - minx, maxy - miny))
        self.entry = entry
        self.hub_target = (
            (entry.x, entry.y)
            if entry is not None
            else (usable.representative_point().x, usable.representative_point().y)
            if not usable.is_empty
            else (0.0, 0.0)
        )
        self.result = Placement()
        self._polys: list[Polygon] = []
        self._clear: list[float] = []
        self._tree: shapely.STRtree | None = None
        # Cells within reach (largest clearance) of a placed footprint, as a summed-area table.
        self._occ = np.zeros(raster.grid.shape, dtype=np.uint8)
        self._i_occ: np.ndarray | None = None
        self._reach = max(a.clearance_m for a in profile.asset_types.values()) + 2 * EPS_M

    # -- candidates -------------------------------------------------------------------------

    def _lattice(
        self, kind: _Kind, theta: float, fu: float, fv: float, pitch: tuple[float, float] | None = None
    ) -> np.ndarray:
        """Block origins of a lattice rotated by `theta` [deg] with fractional offsets (fu, fv)."""
        cos, sin = _rot(theta)
        pu, pv = pitch or kind.pitch
        minx, miny, maxx, maxy = self.bounds
        corners = np.array([[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy]])
        # World -> block frame is the inverse (transpose) rotation.
        u = corners[:, 0] * cos - corners[:, 1] * sin
        v = corners[:, 0] * sin + corners[:, 1] * cos
        sx0, sy0, sx1, sy1 = kind.slot
        # Inset by EPS_M so a slot flush with the usable edge is not lost to rounding.
        u0 = u.min() - sx0 + EPS_M + fu * pu
        v0 = v.min() - sy0 + EPS_M + fv * pv
        nu = max(1, math.floor((u.max() - sx1 - u0) / pu) + 1)
        nv = max(1, math.floor((v.max() - sy1 - v0) / pv) + 1)
        uu, vv = np.meshgrid(u0 + pu * np.arange(nu), v0 + pv * np.arange(nv))
        local = np.stack([uu.ravel(), vv.ravel()], axis=-1)
        return _to_world(local, cos, sin)

    def _evaluate(self, kind: _Kind, centres: np.ndarray, theta: float) -> _Candidates:
        """Valid, non-conflicting candidates among block origins `centres` (n, 2), with scores.

        Cheap raster tests run first on every candidate; exact shapely tests only on the few that
        touch the usable edge or lie near an already placed footprint."""
        r = self.raster
        area = self.centre_areas.get(kind.spec.name)
        if area is not None:
            centres = centres[shapely.contains_xy(area, centres[:, 0], centres[:, 1])]
        cos, sin = _rot(theta)
        comp_c = centres[:, None, :] + _to_world(kind.offsets, cos, sin)[None, :, :]  # (n, k, 2)
        hx = abs(cos) * kind.half[:, 0] + abs(sin) * kind.half[:, 1]
        hy = abs(sin) * kind.half[:, 0] + abs(cos) * kind.half[:, 1]
        cx, cy = comp_c[:, :, 0], comp_c[:, :, 1]
        boxes = [
            (cx[:, k] - hx[k], cy[:, k] - hy[k], cx[:, k] + hx[k], cy[:, k] + hy[k])
            for k in range(len(kind.types))
        ]
        keep = np.arange(len(centres))
        cells: list[tuple[np.ndarray, ...]] = []
        axis_aligned = abs(sin) < 1e-12 or abs(cos) < 1e-12
        for k, box in enumerate(boxes):
            r0, r1, c0, c1, on = r.cells(*(b[keep] for b in box))
            ok = on & (r.box_sum(r.i_bad[float(kind.max_slope[k])], r0, r1, c0, c1) == 0)
            # Quick rejections of slots reaching outside the usable area (never of valid ones):
            # an axis-aligned box is the footprint itself; otherwise test the centre cell.
            if axis_aligned:
                ok &= r.box_sum(r.i_untouched, r0, r1, c0, c1) == 0
            else:
                rc = ((r0 + r1) // 2).clip(0, r.rows - 1), ((c0 + c1) // 2).clip(0, r.cols - 1)
                ok &= r.touched[rc]
            keep = keep[ok]
            cells = [tuple(a[ok] for a in cc) for cc in cells]
            cells.append((r0[ok], r1[ok], c0[ok], c1[ok]))
        exact = np.zeros(len(keep), dtype=bool)
        near = np.zeros(len(keep), dtype=bool)
        for r0, r1, c0, c1 in cells:
            exact |= r.box_sum(r.i_notinterior, r0, r1, c0, c1) > 0
            if self._i_occ is not None:
                near |= r.box_sum(self._i_occ, r0, r1, c0, c1) > 0
        check = np.flatnonzero(exact | near)
        if len(check):
            polys = _footprints(kind, centres[keep[check]], theta)
            good = np.ones(len(check), dtype=bool)
            ex = exact[check]
            if ex.any():
                good[ex] = shapely.contains(self.usable, polys[ex]).all(axis=1)
            nr = near[check] & good
            if nr.any():
                good[nr] = ~self._conflicts(polys[nr], kind.clearance)
            ok = np.ones(len(keep), dtype=bool)
            ok[check[~good]] = False
            keep = keep[ok]
            cells = [tuple(a[ok] for a in cc) for cc in cells]
        centres = centres[keep]
        score = self._score(centres, cells[kind.main] if len(keep) else ())
        order = np.argsort(score, kind="stable")
        return _Candidates(kind=kind, centres=centres[order], score=score[order], rotation_deg=theta)

    def _score(self, centres: np.ndarray, cells: tuple[np.ndarray, ...]) -> np.ndarray:
        r = self.raster
        if len(centres) == 0 or not cells:
            return np.zeros(0)
        r0, r1, c0, c1 = cells
        cnt = np.maximum(r.box_sum(r.i_valid, r0, r1, c0, c1), 1)
        s1 = r.box_sum(r.i_z, r0, r1, c0, c1) / cnt
        s2 = r.box_sum(r.i_z2, r0, r1, c0, c1) / cnt
        sigma = np.sqrt(np.maximum(s2 - s1 * s1, 0.0))
        slope = r.box_sum(r.i_slope, r0, r1, c0, c1) / cnt
        dist = np.hypot(centres[:, 0] - self.hub_target[0], centres[:, 1] - self.hub_target[1])
        score: np.ndarray = (
            self.w.earthwork * sigma / r.sigma_scale
            + self.w.distance * dist / self.diag
            + self.w.slope * slope / 10.0
        )
        return score

    def _conflicts(self, polys: np.ndarray, clearance: np.ndarray) -> np.ndarray:
        """Rows of `polys` (n, k) closer to an already placed footprint than the pair's clearance."""
        if self._tree is None:
            self._tree = shapely.STRtree(self._polys)
        placed_clear = np.asarray(self._clear)
        n, k = polys.shape
        flat = polys.ravel()
        comp_clear = np.tile(clearance, n)
        reach = float(max(placed_clear.max(), clearance.max())) + EPS_M
        src, dst = self._tree.query(flat, predicate="dwithin", distance=reach)
        bad = np.zeros(n * k, dtype=bool)
        if len(src):
            need = np.maximum(comp_clear[src], placed_clear[dst]) + EPS_M
            d = shapely.distance(flat[src], np.asarray(self._polys, dtype=object)[dst])
            hit = src[d < need]
            bad[hit] = True
        return np.asarray(bad.reshape(n, k).any(axis=1), dtype=bool)

    def _best_lattice(self, kind: _Kind, n: int) -> _Candidates | None:
        """The lattice whose best `n` candidates fit the most slots, then score lowest.

        Searches the strategy's offsets first and, if no lattice holds `n` slots, a finer set."""
        # Small blocks on a big site make huge lattices where offsets gain little: cap the work.
        size = len(self._lattice(kind, kind.spec.rotations_deg[0], 0.0, 0.0)) * len(kind.spec.rotations_deg)
        cap = max(1, int(math.sqrt(LATTICE_BUDGET / max(size, 1))))
        best: tuple[tuple[int, float], _Candidates] | None = None
        tried: set[tuple[float, float, float]] = set()
        for steps in (self.w.lattice_offsets, FINE_OFFSETS):
            steps = max(1, min(steps, cap))
            for theta in kind.spec.rotations_deg:
                for i in range(steps):
                    for j in range(steps):
                        key_t = (theta, i / steps, j / steps)
                        if key_t in tried:
                            continue
                        tried.add(key_t)
                        cand = self._evaluate(kind, self._lattice(kind, theta, i / steps, j / steps), theta)
                        m = min(n, len(cand.centres))
                        key = (-m, float(cand.score[:m].sum()))
                        if best is None or key < best[0]:
                            best = (key, cand)
            if best is not None and -best[0][0] >= n:
                break
        return None if best is None else best[1]

    # -- placing ------------------------------------------------------------------------------

    def _commit(self, kind: _Kind, cand: _Candidates, take: np.ndarray, drop_kw: float = 0.0) -> float:
        """Place candidates `take` (indices into cand); returns the generating capacity added [kW].

        drop_kw: overshoot to trim from the last block by leaving out generating components whose
        capacity is not needed (keeps the overshoot below one asset's capacity)."""
        cos, sin = _rot(cand.rotation_deg)
        added = 0.0
        side = kind.spec.access_side
        sx0, sy0, sx1, sy1 = kind.slot
        gap = float(kind.clearance.max()) / 2
        access_local = {
            "south": ((sx0 + sx1) / 2, sy0 - gap),
            "north": ((sx0 + sx1) / 2, sy1 + gap),
            "west": (sx0 - gap, (sy0 + sy1) / 2),
            "east": (sx1 + gap, (sy0 + sy1) / 2),
        }[side]
        acc = _to_world(np.array(access_local, dtype=float), cos, sin)
        polys = cand.polys(np.asarray(take))
        new: list[Polygon] = []
        for count, i in enumerate(take):
            cx, cy = float(cand.centres[i, 0]), float(cand.centres[i, 1])
            skip: set[int] = set()
            if count == len(take) - 1 and drop_kw > 0:
                # Leave out generating components the target does not need (keep at least one).
                gen = [q for q in range(len(kind.types)) if kind.capacity[q] > 0]
                for q in reversed(gen):
                    if len(gen) - len(skip) <= 1:
                        break
                    if kind.capacity[q] <= drop_kw + 1e-9:
                        skip.add(q)
                        drop_kw -= float(kind.capacity[q])
            bidx = len(self.result.blocks)
            self.result.blocks.append(
                PlacedBlock(
                    name=kind.spec.name,
                    centre=(cx, cy),
                    rotation_deg=cand.rotation_deg,
                    access=(cx + float(acc[0]), cy + float(acc[1])),
                    hub=kind.spec.hub,
                )
            )
            for k, t in enumerate(kind.types):
                if k in skip:
                    continue
                poly = polys[count, k]
                self.result.components.append(
                    PlacedComponent(
                        asset_type=t,
                        polygon=poly,
                        rotation_deg=cand.rotation_deg % 360.0,
                        block_index=bidx,
                        capacity_kw=float(kind.capacity[k]),
                        storage_kwh=float(kind.storage[k]),
                        clearance_m=float(kind.clearance[k]),
                        max_slope_deg=float(kind.max_slope[k]),
                    )
                )
                self._polys.append(poly)
                new.append(poly)
                self._clear.append(float(kind.clearance[k]))
                added += float(kind.capacity[k])
        self._tree = None
        if new:
            # Mitred joins: the grown rectangle contains the true (rounded) reach, so no conflict
            # can hide outside the marked cells.
            grown = shapely.buffer(np.asarray(new, dtype=object), self._reach, join_style="mitre")
            features.rasterize(
                [(g, 1) for g in grown], out=self._occ, transform=self.raster.grid.transform, all_touched=True
            )
            self._i_occ = _integral(self._occ.astype(np.int64))
        return added

    def _fixed_searches(self, kind: _Kind, wide: bool) -> list[tuple[float, float, float, float]]:
        """(rotation [deg], offset u, offset v, lattice step [m]) searched for a fixed block.

        The default search is the profile's rotations on one lattice; the wide search (for the
        hub, when that finds nothing) adds every 15° and lattices offset by half a step in each
        direction, because a substation that fits nowhere leaves the plant unconnected."""
        sx0, sy0, sx1, sy1 = kind.slot
        fine = max(5.0, self.raster.res / 2, min(sx1 - sx0, sy1 - sy0) / 3)
        # On very large sites, coarsen so one fixed block never scores more than ~30k spots.
        minx, miny, maxx, maxy = self.bounds
        fine = max(fine, math.sqrt((maxx - minx) * (maxy - miny) / FIXED_LATTICE_MAX))
        if not wide:
            return [(theta, 0.0, 0.0, fine) for theta in kind.spec.rotations_deg]
        thetas = sorted({*kind.spec.rotations_deg, *(15.0 * i for i in range(HUB_ROTATIONS))})
        return [(t, fu, fv, fine) for t in thetas for fu in (0.0, 0.5) for fv in (0.0, 0.5)]

    def _place_fixed(
        self, kind: _Kind, count: int, displace: _Candidates | None, displace_clear: float
    ) -> int:
        """Place `count` single blocks on a fine lattice, preferring spots that displace the
        fewest slots of the main generating lattice, then the strategy's score. A hub block
        that fits nowhere is searched again over more rotations and positions."""
        placed = 0
        for _ in range(count):
            best: tuple[tuple[int, float], _Candidates, int] | None = None
            searches: list[tuple[float, float, float, float] | None] = [
                *self._fixed_searches(kind, wide=False),
                *([None] if kind.spec.hub else []),  # marker: widen the search if nothing fits so far
            ]
            while searches:
                search = searches.pop(0)
                if search is None:
                    if best is None:
                        searches = [*self._fixed_searches(kind, wide=True)]
                    continue
                theta, fu, fv, fine = search
                cand = self._evaluate(kind, self._lattice(kind, theta, fu, fv, (fine, fine)), theta)
                m = min(len(cand.centres), FIXED_CANDIDATES)
                if m == 0:
                    continue
                if displace is not None and len(displace.centres):
                    lost = self._displacement(
                        cand.polys(np.arange(m)), kind.clearance, displace, displace_clear
                    )
                else:
                    lost = np.zeros(m, dtype=np.int64)
                i = int(np.lexsort((np.arange(m), cand.score[:m], lost))[0])
                key = (int(lost[i]), float(cand.score[i]))
                if best is None or key < best[0]:
                    best = (key, cand, i)
            if best is None:
                break
            self._commit(kind, best[1], np.array([best[2]]))
            placed += 1
            if kind.spec.hub:
                c = self.result.blocks[-1].centre
                self.hub_target = c
        return placed

    def _no_hub_message(self, kind: _Kind) -> str:
        """Why the hub (substation) fits nowhere, with what the terrain offers."""
        r = self.raster
        w, ln = (2 * kind.half).max(axis=0)
        lim = float(kind.max_slope.max())
        usable_cells = int(r.touched.sum())
        flat = int((r.touched & (r.slope <= lim)).sum())
        share = f"{flat:,} of {usable_cells:,} usable cells ({100.0 * flat / max(usable_cells, 1):.0f}%)"
        return (
            f"no grid connection: the {w:g} × {ln:g} m {kind.spec.name} fits nowhere on this site "
            f"(every cell under it must be at most {lim:g}° steep, inside the setback and exclusions; "
            f"{HUB_ROTATIONS} rotations and shifted positions tried); only {share} are that flat. "
            "Choose a flatter site, relax the substation's slope limit or reduce the setback."
        )

    def _displacement(
        self, polys: np.ndarray, clearance: np.ndarray, lattice: _Candidates, lattice_clear: float
    ) -> np.ndarray:
        """For each candidate row of `polys` (m, k): how many slots of `lattice` it would block."""
        lp = lattice.polys()
        slots = lp.ravel()
        owner = np.repeat(np.arange(len(lp)), lp.shape[1])
        tree = shapely.STRtree(slots)
        m, k = polys.shape
        reach = max(float(clearance.max()), lattice_clear)
        src, dst = tree.query(polys.ravel(), predicate="dwithin", distance=reach)
        lost = np.zeros(m, dtype=np.int64)
        if len(src):
            pairs = np.unique((src // k) * len(lp) + owner[dst])
            np.add.at(lost, pairs // len(lp), 1)
        return lost

    def place(self, target_kw: float) -> Placement:
        """Place every block type of the profile towards `target_kw` [kW] of generating capacity."""
        kinds = [_Kind.of(b, self.profile) for b in self.profile.blocks]
        share_kinds = [k for k in kinds if k.spec.share is not None]
        fill = share_kinds[-1]
        main = max(share_kinds, key=lambda k: k.spec.share or 0.0)
        main_n = math.ceil(target_kw * (main.spec.share or 1.0) / main.block_capacity_kw)
        # Fixed blocks first (the hub leads), placed where they cost the fewest generating slots.
        order = sorted(kinds, key=lambda k: (k.spec.count is None, not k.spec.hub))
        displace = self._best_lattice(main, main_n) if any(k.spec.count for k in kinds) else None
        lattices: dict[str, _Candidates] = {}
        gen_kw = 0.0
        for kind in order:
            if kind.spec.name in self.skip:
                continue
            if kind.spec.count is not None:
                got = self._place_fixed(kind, kind.spec.count, displace, float(main.clearance.max()))
                if kind.spec.hub and got == 0:
                    raise NoGridConnection(self._no_hub_message(kind))
                if got < kind.spec.count:
                    self.result.warnings.append(
                        f"could not place {kind.spec.count - got} of {kind.spec.count} {kind.spec.name} "
                        "(no valid position left)"
                    )
                continue
            if kind.spec.per_generating_kw is not None:
                n = math.ceil(target_kw / kind.spec.per_generating_kw)
            elif kind is fill:
                n = math.ceil(max(0.0, target_kw - gen_kw) / kind.block_capacity_kw - 1e-9)
            else:
                n = math.floor(target_kw * (kind.spec.share or 0.0) / kind.block_capacity_kw + 1e-9)
            if n <= 0:
                continue
            cand = self._best_lattice(kind, n)
            if cand is None:
                continue
            take = np.arange(min(n, len(cand.centres)))
            drop = max(0.0, gen_kw + kind.block_capacity_kw * len(take) - target_kw) if kind is fill else 0.0
            gen_kw += self._commit(kind, cand, take, drop)
            lattices[kind.spec.name] = cand
            if kind.spec.per_generating_kw is not None and len(take) < n:
                self.result.warnings.append(
                    f"placed {len(take)} of {n} {kind.spec.name} blocks (no room for more)"
                )
        # Top up with any generating block type that still has room.
        # With PV placed elsewhere (skip), the PV design tops up instead.
        if gen_kw < target_kw - 1e-6 and not self.skip:
            # Smallest blocks first: the finest steps keep the overshoot small.
            for kind in sorted(share_kinds, key=lambda k: k.block_capacity_kw):
                if gen_kw >= target_kw - 1e-6:
                    break
                prev = lattices.get(kind.spec.name)
                centres = prev.centres if prev is not None else None
                need = math.ceil((target_kw - gen_kw) / kind.block_capacity_kw - 1e-9)
                if centres is not None and prev is not None:
                    # Same lattice (so no self-conflicts); drop the slots taken since.
                    cand = self._evaluate(kind, centres, prev.rotation_deg)
                else:
                    cand = self._best_lattice(kind, need)
                if cand is None or len(cand.centres) == 0:
                    continue
                take = np.arange(min(need, len(cand.centres)))
                drop = max(0.0, gen_kw + kind.block_capacity_kw * len(take) - target_kw)
                gen_kw += self._commit(kind, cand, take, drop)
        return self.result
