"""Limiting cases of the plane-of-array model (app.engine.energy.irradiance), as pvlib tests its
infinite-sheds model: each expected value is the closed form the module's docstring promises,
computed here from the sun's inputs rather than by calling the module again."""

from __future__ import annotations

import numpy as np

from app.engine.energy.irradiance import DiffuseMasks, RowGeometry, Sun, group_irradiance

# Rows that never shade each other: a narrow collector on a very long pitch.
WIDE_PITCH = {"collector_width_m": 2.0, "pitch_m": 1.0e4, "height_m": 1.5, "gcr": 2.0e-4}


def _sun(zenith: list[float], azimuth: list[float], dni: list[float], dhi: list[float]) -> Sun:
    z = np.asarray(zenith, dtype=float)
    dni_a = np.asarray(dni, dtype=float)
    dhi_a = np.asarray(dhi, dtype=float)
    ghi = dni_a * np.clip(np.cos(np.radians(z)), 0.0, None) + dhi_a
    n = len(z)
    return Sun(
        zenith=z,
        apparent_zenith=z,
        azimuth=np.asarray(azimuth, dtype=float),
        dni=dni_a,
        ghi=ghi,
        dhi=dhi_a,
        dni_extra=np.full(n, 1361.0),
        albedo=np.full(n, 0.2),
    )


def _fixed(tilt_deg: float) -> RowGeometry:
    return RowGeometry(tracker=False, tilt_deg=tilt_deg, max_rotation_deg=0.0, **WIDE_PITCH)


def _open(n: int) -> DiffuseMasks:
    """No diffuse masking and no rear side: isolates the transposition and the beam shading."""
    return DiffuseMasks(sky=np.ones(n), ground=np.ones(n), rear=np.zeros(n))


def _poa(sun: Sun, rows: RowGeometry, axis_azimuth: float = 90.0):  # type: ignore[no-untyped-def]
    return group_irradiance(
        sun, rows, _open(len(sun.zenith)), axis_azimuth=axis_azimuth, axis_tilt=0.0, cross_axis_tilt=0.0
    )


def test_horizontal_plane_receives_ghi() -> None:
    # Zero tilt: beam = DNI·cos(zenith), Hay–Davies sky (isotropic + circumsolar) = DHI, no ground view.
    sun = _sun([20.0, 45.0, 70.0], [150.0, 180.0, 240.0], [850.0, 600.0, 300.0], [90.0, 120.0, 80.0])
    out = _poa(sun, _fixed(0.0))
    np.testing.assert_allclose(out.nominal, sun.ghi, rtol=1e-6)
    np.testing.assert_allclose(out.surface_tilt, 0.0, atol=1e-9)
    # Unshaded rows and open masks: row shading removes nothing.
    np.testing.assert_allclose(out.shaded, out.nominal, rtol=1e-9)


def test_no_beam_with_the_sun_below_the_horizon() -> None:
    # Sun 5° below the horizon with a (non-physical) DNI: the beam cannot reach a horizontal plane,
    # so only the diffuse reaches it — and the circumsolar part of it goes with the beam.
    sun = _sun([95.0], [270.0], [500.0], [0.0])
    out = _poa(sun, _fixed(0.0))
    np.testing.assert_allclose(out.nominal, 0.0, atol=1e-9)
    np.testing.assert_allclose(out.after_iam, 0.0, atol=1e-9)


def test_vertical_plane_facing_away_from_the_sun_has_no_beam() -> None:
    # Tilt 90°, rows east-west (axis azimuth 90°) so the face looks south; the sun stands in the north.
    # Beam and circumsolar are zero; what is left is the isotropic sky and the ground view, each half
    # of the sky / ground hemisphere: DHI·(1 − A)·(1 + cos 90°)/2 and GHI·albedo·(1 − cos 90°)/2,
    # with A = DNI / DNI_extra the Hay–Davies anisotropy index.
    sun = _sun([60.0], [0.0], [700.0], [100.0])
    out = _poa(sun, _fixed(90.0))
    np.testing.assert_allclose(out.surface_tilt, 90.0, atol=1e-6)
    a = 700.0 / 1361.0
    expected = 100.0 * (1.0 - a) * 0.5 + float(sun.ghi[0]) * 0.2 * 0.5
    np.testing.assert_allclose(out.nominal, expected, rtol=1e-6)
    # Facing the sun instead (rows' normal turned 180°) the beam DNI·cos(aoi) comes back, aoi = 30°.
    toward = _sun([60.0], [180.0], [700.0], [100.0])
    back = _poa(toward, _fixed(90.0))
    assert float(back.nominal[0]) > expected + 700.0 * np.cos(np.radians(30.0)) - 1e-6


def test_stages_never_add_energy() -> None:
    # Shading and IAM only remove light: nominal ≥ shaded ≥ after IAM ≥ 0, on tight rows too.
    rng = np.random.default_rng(7)
    n = 200
    z = rng.uniform(5.0, 88.0, n)
    sun = _sun(
        list(z),
        list(rng.uniform(60.0, 300.0, n)),
        list(rng.uniform(0, 900, n)),
        list(rng.uniform(20, 300, n)),
    )
    tight = RowGeometry(
        tracker=False,
        tilt_deg=25.0,
        max_rotation_deg=0.0,
        collector_width_m=4.0,
        pitch_m=8.0,
        height_m=1.5,
        gcr=0.5,
    )
    for rows in (_fixed(25.0), tight):
        out = _poa(sun, rows)
        assert np.all(out.nominal >= out.shaded - 1e-9)
        assert np.all(out.shaded >= out.after_iam - 1e-9)
        assert np.all(out.after_iam >= 0.0)
    # Tight rows lose beam to the row in front at low sun; the wide pitch does not.
    low = z > 75.0
    assert np.any(_poa(sun, tight).shaded[low] < _poa(sun, _fixed(25.0)).shaded[low] - 1.0)
