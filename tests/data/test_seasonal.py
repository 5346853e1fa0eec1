"""Harmonic seasonal climatology (idff_ts.data.seasonal), checked against closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from idff_ts.data.calendar import infer_cadence
from idff_ts.data.seasonal import (
    SeasonalClimatology,
    fit_slot_harmonics,
    harmonic_basis,
    phase_features,
    slot_of,
    weighted_lstsq,
)
from idff_ts.errors import ConfigError


def _monthly(n_years: int = 30) -> np.ndarray:
    return pd.date_range("1980-01-01", periods=12 * n_years, freq="MS").values


def test_noise_free_seasonal_mean_and_spread_are_recovered_exactly():
    t = _monthly()
    cad = infer_cadence(t)
    theta = 2 * np.pi * (slot_of(t, cad) + 0.5) / 12
    mean = 5.0 + 2.0 * np.cos(theta) - 1.0 * np.sin(2 * theta)
    # spread: values at mu ± s alternate within each slot, so the per-slot sd is exactly s
    s = np.exp(0.5 * (0.2 + 0.3 * np.cos(theta)))
    sign = np.where((np.arange(t.size) // 12) % 2 == 0, 1.0, -1.0)
    clim = SeasonalClimatology.fit(mean + sign * s, t, cad, n_harmonics=2)
    mu, sd = clim.mean_std(t)
    np.testing.assert_allclose(mu[:, 0], mean, atol=1e-10)
    np.testing.assert_allclose(sd[:, 0], s, rtol=1e-10)
    np.testing.assert_allclose(clim.mean_coef[:, 0], [5.0, 2.0, 0.0, 0.0, -1.0], atol=1e-10)


def test_standardised_training_anomalies_have_unit_mean_square_and_round_trip():
    rng = np.random.default_rng(0)
    t = pd.date_range("2000-01-01", periods=3 * 365, freq="D").values
    cad = infer_cadence(t)
    x = 20 + 3 * np.sin(2 * np.pi * np.arange(t.size) / 365.25)[:, None] + rng.normal(
        size=(t.size, 2)) * [1.0, 0.3]
    x[5, 0] = np.nan
    clim = SeasonalClimatology.fit(x, t, cad)
    z = clim.standardise(x, t)
    np.testing.assert_allclose(np.nanmean(z**2, axis=0), 1.0, rtol=1e-9)
    back = clim.destandardise(z, t)
    np.testing.assert_allclose(back, x, atol=1e-9)
    assert np.isnan(back[5, 0])


def test_zero_harmonics_is_plain_standardisation():
    rng = np.random.default_rng(1)
    t = pd.date_range("1850-01-01", periods=80, freq="YS").values
    x = rng.normal(3.0, 2.0, size=80)
    clim = SeasonalClimatology.fit(x, t, infer_cadence(t))
    assert clim.n_harmonics == 0
    mu, sd = clim.mean_std(t)
    np.testing.assert_allclose(mu, x.mean())
    np.testing.assert_allclose(sd, x.std())


def test_weighted_lstsq_matches_numpy_lstsq():
    rng = np.random.default_rng(2)
    basis = harmonic_basis(np.arange(12) + 0.5, 12, 2)
    vals = rng.normal(size=(12, 3))
    w = rng.uniform(0.5, 2.0, size=(12, 3))
    coef = weighted_lstsq(basis, vals, w)
    for p in range(3):
        sw = np.sqrt(w[:, p])
        ref = np.linalg.lstsq(basis * sw[:, None], vals[:, p] * sw, rcond=None)[0]
        np.testing.assert_allclose(coef[:, p], ref, atol=1e-10)


def test_basis_is_bitwise_the_sst_day_of_year_basis():
    """SST's slot basis (theta = 2 pi (s - 1) / 366) through the shared function."""
    s = np.arange(1, 367, dtype=np.float64)
    theta = 2.0 * np.pi * (s - 1.0) / 366
    ours = harmonic_basis(s - 1.0, 366, 3)
    assert np.array_equal(ours[:, 1], np.cos(theta)) and np.array_equal(ours[:, 6],
                                                                        np.sin(3 * theta))


def test_fit_slot_harmonics_normalises_mean_square():
    basis = harmonic_basis(np.arange(12) + 0.5, 12, 1)
    rng = np.random.default_rng(3)
    mean, std, n = rng.normal(size=(12, 1)), rng.uniform(0.5, 2, (12, 1)), np.full((12, 1), 7.0)
    mc, vc = fit_slot_harmonics(basis, mean, std, n, 1e-6)
    r2 = std**2 + (mean - basis @ mc) ** 2
    assert (n * r2 / np.exp(basis @ vc)).sum() == pytest.approx(n.sum())


def test_bad_harmonics_and_round_trip_dict():
    t = _monthly(5)
    with pytest.raises(ConfigError, match="n_harmonics"):
        SeasonalClimatology.fit(np.ones(t.size), t, infer_cadence(t), n_harmonics=6)
    clim = SeasonalClimatology.fit(np.arange(t.size, dtype=float), t, infer_cadence(t))
    again = SeasonalClimatology.from_dict(clim.to_dict())
    np.testing.assert_array_equal(again.mean_std(t)[0], clim.mean_std(t)[0])


def test_phase_features_are_unit_circle():
    f = phase_features(_monthly(1))
    np.testing.assert_allclose((f**2).sum(axis=1), 1.0)


def test_sst_climatology_uses_the_shared_fit_unchanged():
    """SST's basis through the shared implementation equals the former SST formula bitwise,
    and the SST fit is the shared per-slot fit (one implementation)."""
    from idff_ts.domains.sst import climatology as sst_clim
    from idff_ts.domains.sst.harmonics import harmonic_basis as sst_basis

    s = np.arange(1, 367, dtype=np.float64)
    theta = 2.0 * np.pi * (s - 1.0) / 366
    former = np.stack([np.ones_like(theta)] + [f(j * theta) for j in (1, 2, 3)
                                               for f in (np.cos, np.sin)], axis=1)
    assert np.array_equal(sst_basis(np.arange(1, 367), 3), former)
    assert sst_clim.fit_slot_harmonics is fit_slot_harmonics
