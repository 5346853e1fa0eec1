"""The real-series suite's reference forecasts and scores, against oracles (properscoring,
hand-made series); the report's target checks on a synthetic result."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import properscoring as ps
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _classical as cl  # noqa: E402
from _real_series_report import targets  # noqa: E402

from idff_ts.data.calendar import infer_cadence  # noqa: E402


def test_gaussian_crps_matches_properscoring():
    rng = np.random.default_rng(0)
    mu, sd, y = rng.normal(size=50), rng.uniform(0.1, 3, 50), rng.normal(size=50)
    np.testing.assert_allclose(cl.crps_gaussian(mu, sd, y), ps.crps_gaussian(y, mu, sd),
                               rtol=1e-10)


def test_persistence_forward_fills_gaps_and_seasonal_naive_indexes_a_season_back():
    x = np.arange(30.0)[:, None]
    x[10] = np.nan
    p = cl.persistence(x, np.array([10, 20]), 3)
    np.testing.assert_array_equal(p[:, :, 0], [[9, 9, 9], [20, 20, 20]])
    t = pd.date_range("2000-01-01", periods=30, freq="MS").values
    sn = cl.seasonal_naive(np.arange(30.0)[:, None], np.array([15]), 13, infer_cadence(t))
    np.testing.assert_array_equal(sn[0, :, 0], [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 4])


def test_ensemble_scores_use_the_fair_crps_and_corrected_ssr():
    rng = np.random.default_rng(1)
    ens, y = rng.normal(size=(40, 2, 5, 1)), rng.normal(size=(40, 2, 1))
    s = cl.scores_ensemble(ens, y)
    m = 5
    brute = np.abs(ens - y[:, :, None]).mean(2) - np.abs(
        ens[:, :, :, None] - ens[:, :, None, :]).sum((2, 3)) / (2 * m * (m - 1))
    np.testing.assert_allclose(s["crps_lead"], brute.mean(axis=(0, 2)), rtol=1e-10)
    ssr = np.sqrt(6 / 5 * ens.var(axis=2, ddof=1).mean()) / np.sqrt(
        ((ens.mean(2) - y) ** 2).mean())
    assert s["ssr"] == ssr
    for k in range(2):  # per lead: the same formula on that lead's members only
        e, t = ens[:, k], y[:, k]
        ssr_k = np.sqrt(6 / 5 * e.var(axis=1, ddof=1).mean()) / np.sqrt(
            ((e.mean(1) - t) ** 2).mean())
        np.testing.assert_allclose(s["ssr_lead"][k], ssr_k, rtol=1e-12)


def test_targets_of_one_series():
    res = {"methods": {"IDFF": {"crps": 1.0, "ssr": 0.9}, "persistence": {"crps": 2.0},
                       "seasonal_naive": {"crps": 1.5}, "climatology": {"crps": 1.1},
                       "AutoETS": {"crps": 0.96}, "AutoARIMA": {"crps": 0.97}}}
    assert targets(res) == {"beats_naive": True, "within_5pct_classical": True, "ssr_ok": True}
    res["methods"]["AutoETS"]["crps"] = 0.9
    assert targets(res)["within_5pct_classical"] is False


def test_paired_bootstrap_interval():
    a = np.arange(50.0)
    np.testing.assert_allclose(cl.paired_bootstrap(a + 0.3, a), [0.3, 0.3])
    rng = np.random.default_rng(2)
    d = rng.normal(1.0, 1.0, 400)
    lo, hi = cl.paired_bootstrap(d, np.zeros(400))
    se = d.std() / np.sqrt(400)
    assert lo == pytest.approx(d.mean() - 1.96 * se, abs=0.3 * se)
    assert hi == pytest.approx(d.mean() + 1.96 * se, abs=0.3 * se)
