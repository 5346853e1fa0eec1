"""The bridge interpolant's law: N((1−t) x0 + t x1, σ² t (1−t) I)."""

from __future__ import annotations

import torch

from idff_ts.paths import BridgePath


def test_interpolant_mean_and_variance_match_closed_form():
    gen = torch.Generator().manual_seed(0)
    n, sigma = 400_000, 0.8
    path = BridgePath(sigma)
    x0 = torch.tensor([1.0, -2.0]).expand(n, 2)
    x1 = torch.tensor([3.0, 0.5]).expand(n, 2)
    for tv in (0.1, 0.5, 0.9):
        t = torch.full((n,), tv)
        eps = torch.randn(n, 2, generator=gen)
        ps = path.sample(x0, x1, t, eps)
        mean = (1 - tv) * x0[0] + tv * x1[0]
        var = sigma**2 * tv * (1 - tv)
        assert torch.allclose(ps.x_t.mean(0), mean, atol=5 * (var / n) ** 0.5)
        assert torch.allclose(ps.x_t.var(0), torch.full((2,), var), rtol=0.01)
        assert torch.allclose(ps.sigma_t, torch.full((n,), var**0.5))


def test_interpolant_hits_both_ends_exactly():
    path = BridgePath(1.3)
    x0, x1 = torch.randn(5, 3), torch.randn(5, 3)
    eps = torch.randn(5, 3)
    assert torch.equal(path.sample(x0, x1, torch.zeros(5), eps).x_t, x0)
    assert torch.equal(path.sample(x0, x1, torch.ones(5), eps).x_t, x1)
