"""The statsforecast wrapper against the AR(1) closed form: fitted on a training series, then
applied (no refit) to a new history, its ensemble's mean and spread match
``φ^k x_n`` and ``σ sqrt((1 − φ^{2k})/(1 − φ²))``."""

from __future__ import annotations

import numpy as np
import pytest
from test_run import _load

pytest.importorskip("statsforecast", reason="AutoARIMA/AutoETS rows need the 'bench' extra")


def _ar1(n: int, phi: float, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + sigma * rng.standard_normal()
    return x


def test_autoarima_ensemble_matches_the_ar1_closed_form() -> None:
    stats = _load("_bench_stats")
    phi, sigma, h = 0.8, 1.0, 5
    (model,) = stats.fit_per_dim("autoarima", _ar1(2000, phi, sigma, 0)[:, None])
    history = _ar1(300, phi, sigma, 1)
    history[-1] = 3.0  # a clearly non-zero init state
    mean, sd = stats.predictive(model, history, h)
    k = np.arange(1, h + 1)
    np.testing.assert_allclose(mean, phi**k * 3.0, atol=0.35)
    np.testing.assert_allclose(sd, sigma * np.sqrt((1 - phi ** (2 * k)) / (1 - phi**2)), rtol=0.15)
    draws = stats.ensemble(mean, sd, 4000, np.random.default_rng(0))
    np.testing.assert_allclose(draws.mean(0), mean, atol=0.1)
    np.testing.assert_allclose(draws.std(0), sd, rtol=0.05)


def test_too_short_a_history_falls_back_to_climatology() -> None:
    stats = _load("_bench_stats")
    (model,) = stats.fit_per_dim("autoets", _ar1(500, 0.8, 1.0, 0)[:, None])
    mean, sd, fell_back = stats.predictive_or_climatology(model, np.array([1.0]), 3, (0.5, 2.0))
    assert fell_back and np.all(mean == 0.5) and np.all(sd == 2.0)
