"""The torch validation CRPS against properscoring and a brute-force O(M²) oracle."""

from __future__ import annotations

import numpy as np
import properscoring as ps
import pytest
import torch

from idff_ts.training.val_crps import crps_ensemble_torch, crps_per_lead_sums


def _oracle(samples: np.ndarray, truth: np.ndarray, fair: bool) -> np.ndarray:
    """The definition, O(M²): mean|X − y| − Σ_ij |X_i − X_j| / (2M²) (or 2M(M−1))."""
    m = samples.shape[0]
    skill = np.abs(samples - truth).mean(axis=0)
    pairs = np.abs(samples[:, None] - samples[None, :]).sum(axis=(0, 1))
    return skill - pairs / (2 * m * (m - 1) if fair else 2 * m * m)


@pytest.mark.parametrize("m", [1, 2, 5, 20])
def test_ecdf_matches_properscoring(m: int) -> None:
    rng = np.random.default_rng(m)
    samples = rng.standard_normal((m, 7, 3, 4))
    truth = rng.standard_normal((7, 3, 4))
    got = crps_ensemble_torch(torch.from_numpy(samples), torch.from_numpy(truth)).numpy()
    want = ps.crps_ensemble(truth, np.moveaxis(samples, 0, -1))
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)


def test_float32_input_matches_properscoring_to_1e6() -> None:
    rng = np.random.default_rng(0)
    samples = (3 * rng.standard_normal((20, 50))).astype(np.float32)
    truth = rng.standard_normal(50).astype(np.float32)
    got = crps_ensemble_torch(torch.from_numpy(samples), torch.from_numpy(truth))
    assert got.dtype == torch.float32
    want = ps.crps_ensemble(
        truth.astype(np.float64), np.moveaxis(samples, 0, -1).astype(np.float64)
    )
    np.testing.assert_allclose(got.numpy(), want, atol=1e-6, rtol=0)


def test_ties_and_fair_estimator_against_oracle() -> None:
    rng = np.random.default_rng(1)
    samples = np.round(rng.standard_normal((9, 40)), 1)  # many ties
    truth = np.round(rng.standard_normal(40), 1)
    for fair in (False, True):
        got = crps_ensemble_torch(
            torch.from_numpy(samples), torch.from_numpy(truth), "fair" if fair else "ecdf"
        ).numpy()
        np.testing.assert_allclose(got, _oracle(samples, truth, fair), atol=1e-12)


def test_degenerate_ensemble_is_absolute_error() -> None:
    x = torch.full((5, 3), 2.0, dtype=torch.float64)
    y = torch.tensor([1.0, 2.0, 4.5], dtype=torch.float64)
    torch.testing.assert_close(crps_ensemble_torch(x, y), (x[0] - y).abs())


def test_shape_and_estimator_errors() -> None:
    with pytest.raises(ValueError, match="disagree"):
        crps_ensemble_torch(torch.zeros(3, 4), torch.zeros(5))
    with pytest.raises(ValueError, match="estimator"):
        crps_ensemble_torch(torch.zeros(3, 4), torch.zeros(4), "crude")


def test_per_lead_sums_mask_counts_valid_points_only() -> None:
    rng = np.random.default_rng(2)
    m, b, k, h, w = 6, 4, 3, 2, 5
    samples = torch.from_numpy(rng.standard_normal((m, b, k, 1, h, w)))
    truth = torch.from_numpy(rng.standard_normal((b, k, 1, h, w)))
    mask = torch.from_numpy((rng.random((1, h, w)) > 0.4).astype(np.float32))
    sums, counts = crps_per_lead_sums(samples, truth, mask)
    point = ps.crps_ensemble(truth.numpy(), np.moveaxis(samples.numpy(), 0, -1))
    valid = mask.numpy().astype(bool)
    for lead in range(k):
        vals = point[:, lead][:, valid]
        assert counts[lead] == vals.size
        np.testing.assert_allclose(sums[lead] / counts[lead], vals.mean(), atol=1e-12)
    sums_all, counts_all = crps_per_lead_sums(samples, truth)
    np.testing.assert_allclose(sums_all / counts_all, point.mean(axis=(0, 2, 3, 4)), atol=1e-12)
    assert (counts_all == b * h * w).all()
