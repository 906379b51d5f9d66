"""Plane-of-array irradiance of one row group, with row-to-row shading and incidence-angle losses.

The sky is split with Hay–Davies (isotropic + circumsolar). Per group (terrain class):
  - orientation: fixed rotation = tilt, or single-axis tracking with backtracking at the design GCR
    on the group's axis tilt and cross-axis slope (pvlib.tracking.singleaxis);
  - beam (+ circumsolar): shaded by the row in front (pvlib.shading.shaded_fraction1d, which
    takes the cross-axis slope), then the physical (Fresnel) IAM;
  - sky and ground diffuse: masked by the neighbouring rows with the view factors of
    pvlib.bifacial.infinite_sheds, computed once for the plant's nominal (flat-ground) geometry and
    applied as a ratio to every group; diffuse IAM from Marion's integration;
  - rear side (bifacial modules): infinite_sheds' rear irradiance of the nominal geometry.
All irradiances in W/m²; angles in degrees; only daytime steps are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pvlib import iam, irradiance, shading, tracking
from pvlib.bifacial import infinite_sheds

# Marion's diffuse IAM is a numerical integral: tabulate it once on these tilts and interpolate.
_MARION_TILTS = np.array([0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0])


@lru_cache(maxsize=1)
def _marion_table() -> tuple[np.ndarray, np.ndarray]:
    values = iam.marion_diffuse("physical", _MARION_TILTS)
    return np.asarray(values["sky"], dtype=float), np.asarray(values["ground"], dtype=float)


def diffuse_iam(surface_tilt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sky and ground diffuse IAM factors [0–1] for surface tilts [°] (physical model, Marion)."""
    sky, ground = _marion_table()
    tilt = np.clip(np.abs(surface_tilt), 0.0, 90.0)
    return np.interp(tilt, _MARION_TILTS, sky), np.interp(tilt, _MARION_TILTS, ground)


@dataclass(frozen=True, kw_only=True)
class Sun:
    """Daytime steps: solar zenith / apparent zenith / azimuth [°], dni, ghi, dhi, dni_extra [W/m²],
    albedo [0–1]."""

    zenith: np.ndarray
    apparent_zenith: np.ndarray
    azimuth: np.ndarray
    dni: np.ndarray
    ghi: np.ndarray
    dhi: np.ndarray
    dni_extra: np.ndarray
    albedo: np.ndarray


@dataclass(frozen=True, kw_only=True)
class RowGeometry:
    """Rows of the plant: structure, fixed tilt [°], max rotation [°], gcr, collector width [m],
    pitch [m] and module centre / axis height [m]."""

    tracker: bool
    tilt_deg: float
    max_rotation_deg: float
    gcr: float
    collector_width_m: float
    pitch_m: float
    height_m: float


@dataclass(frozen=True, kw_only=True)
class DiffuseMasks:
    """Per step: sky / ground diffuse kept by the nominal row geometry [0–1], and the rear-side
    irradiance of the nominal geometry [W/m²]."""

    sky: np.ndarray
    ground: np.ndarray
    rear: np.ndarray


@dataclass(frozen=True, kw_only=True)
class GroupIrradiance:
    """One group's front irradiance per step [W/m²] at each stage: nominal (unshaded, transposed),
    after row shading, after IAM; the rear irradiance; and the surface tilt [°]."""

    nominal: np.ndarray
    shaded: np.ndarray
    after_iam: np.ndarray
    rear: np.ndarray
    surface_tilt: np.ndarray


def orientation(
    sun: Sun, rows: RowGeometry, axis_azimuth: float, axis_tilt: float, cross_axis_tilt: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rotation about the row axis, surface tilt and surface azimuth per step [°]."""
    n = len(sun.zenith)
    if rows.tracker:
        track = tracking.singleaxis(
            sun.apparent_zenith,
            sun.azimuth,
            axis_tilt=axis_tilt,
            axis_azimuth=axis_azimuth,
            max_angle=rows.max_rotation_deg,
            backtrack=True,
            gcr=rows.gcr,
            cross_axis_tilt=cross_axis_tilt,
        )
        theta = np.nan_to_num(np.asarray(track["tracker_theta"], dtype=float))
    else:
        theta = np.full(n, rows.tilt_deg)
    surface = tracking.calc_surface_orientation(theta, axis_tilt, axis_azimuth)
    return (
        theta,
        np.asarray(surface["surface_tilt"], dtype=float),
        np.asarray(surface["surface_azimuth"], dtype=float),
    )


def diffuse_masks(sun: Sun, rows: RowGeometry, *, axis_azimuth: float, bifaciality: float) -> DiffuseMasks:
    """Diffuse masking ratios and rear irradiance from pvlib's infinite-sheds model of the plant's
    nominal rows (flat ground, horizontal axis at `axis_azimuth` [°])."""
    _, tilt, az = orientation(sun, rows, axis_azimuth, 0.0, 0.0)
    sheds = infinite_sheds.get_irradiance(
        tilt,
        az,
        sun.zenith,
        sun.azimuth,
        rows.gcr,
        rows.height_m,
        rows.pitch_m,
        sun.ghi,
        sun.dhi,
        sun.dni,
        sun.albedo,
        model="haydavies",
        dni_extra=sun.dni_extra,
        bifaciality=bifaciality,
    )
    cos_t = np.cos(np.radians(tilt))
    parts = irradiance.haydavies(
        tilt, az, sun.dhi, sun.dni, sun.dni_extra, sun.zenith, sun.azimuth, return_components=True
    )
    # infinite_sheds treats the circumsolar part as beam: its sky diffuse is the isotropic part.
    sky_open = np.nan_to_num(np.asarray(parts["poa_isotropic"], dtype=float))
    ground_open = sun.ghi * sun.albedo * (1.0 - cos_t) / 2.0
    sky_kept = np.nan_to_num(np.asarray(sheds["poa_front_sky_diffuse"], dtype=float))
    ground_kept = np.nan_to_num(np.asarray(sheds["poa_front_ground_diffuse"], dtype=float))
    sky = np.where(sky_open > 1e-3, sky_kept / np.maximum(sky_open, 1e-3), 1.0)
    ground = np.where(ground_open > 1e-3, ground_kept / np.maximum(ground_open, 1e-3), 1.0)
    rear = (
        np.nan_to_num(np.asarray(sheds["poa_back"], dtype=float)) if bifaciality > 0 else np.zeros_like(tilt)
    )
    return DiffuseMasks(sky=np.clip(sky, 0.0, 1.0), ground=np.clip(ground, 0.0, 1.0), rear=rear)


def group_irradiance(
    sun: Sun,
    rows: RowGeometry,
    masks: DiffuseMasks,
    *,
    axis_azimuth: float,
    axis_tilt: float,
    cross_axis_tilt: float,
) -> GroupIrradiance:
    """Front irradiance stages and rear irradiance of one row group, per daytime step [W/m²]."""
    theta, tilt, az = orientation(sun, rows, axis_azimuth, axis_tilt, cross_axis_tilt)
    aoi = np.asarray(irradiance.aoi(tilt, az, sun.zenith, sun.azimuth), dtype=float)
    parts = irradiance.haydavies(
        tilt, az, sun.dhi, sun.dni, sun.dni_extra, sun.zenith, sun.azimuth, return_components=True
    )
    circumsolar = np.nan_to_num(np.asarray(parts["poa_circumsolar"], dtype=float))
    sky = np.nan_to_num(np.asarray(parts["poa_isotropic"], dtype=float))
    beam = sun.dni * np.clip(np.cos(np.radians(aoi)), 0.0, None) + circumsolar
    ground = sun.ghi * sun.albedo * (1.0 - np.cos(np.radians(tilt))) / 2.0
    shaded = np.asarray(
        shading.shaded_fraction1d(
            sun.zenith,
            sun.azimuth,
            axis_azimuth,
            theta,
            collector_width=rows.collector_width_m,
            pitch=rows.pitch_m,
            axis_tilt=axis_tilt,
            cross_axis_slope=cross_axis_tilt,
        ),
        dtype=float,
    )
    shaded = np.where((aoi < 90.0) & (sun.zenith < 90.0), np.clip(np.nan_to_num(shaded), 0.0, 1.0), 0.0)
    beam_shaded = beam * (1.0 - shaded)
    front_shaded = beam_shaded + sky * masks.sky + ground * masks.ground
    iam_beam = np.nan_to_num(np.asarray(iam.physical(aoi), dtype=float))
    iam_sky, iam_ground = diffuse_iam(tilt)
    after_iam = beam_shaded * iam_beam + sky * masks.sky * iam_sky + ground * masks.ground * iam_ground
    return GroupIrradiance(
        nominal=beam + sky + ground,
        shaded=front_shaded,
        after_iam=after_iam,
        rear=masks.rear,
        surface_tilt=np.broadcast_to(np.asarray(tilt, dtype=float), beam.shape).copy(),
    )
