"""torchsde / torchdiffeq adapters reproduce the linear-Gaussian conditional law."""

from __future__ import annotations

import numpy as np
import torch

from idff_ts.sampling.adapters import sample_ode, sample_sde
from idff_ts.sampling.counting import CountingField

SIGMA = 0.7
X0 = np.array([1.0, -0.5])


def field_for(oracle, n):
    net = oracle(SIGMA)
    x0 = torch.tensor(X0, dtype=torch.float64).expand(n, 2).clone()
    return CountingField(net, torch.ones(n, dtype=torch.long), x0[:, None]), x0, net


def test_torchsde_euler_matches_conditional_law(oracle, gaussian):
    field, x0, net = field_for(oracle, 20_000)
    res = sample_sde(field, x0, SIGMA, gamma1=0.5, dt=0.005, t1=0.995, seed=0)
    x = res.x1.numpy()
    mu, Q = gaussian.true_moments(X0)
    assert np.allclose(x.mean(0), mu, atol=0.03)
    assert np.allclose(np.cov(x.T), Q, atol=0.04)
    assert res.nfe == net.forward_calls


def test_torchdiffeq_probability_flow_matches_conditional_law(oracle, gaussian):
    field, x0, net = field_for(oracle, 20_000)
    gen = torch.Generator().manual_seed(0)
    res = sample_ode(
        field, x0, SIGMA, lambda s: torch.randn((20_000, *s), generator=gen, dtype=torch.float64),
        t0=0.005, t1=0.995,
    )
    x = res.x1.numpy()
    mu, Q = gaussian.true_moments(X0)
    assert np.allclose(x.mean(0), mu, atol=0.03)
    assert np.allclose(np.cov(x.T), Q, atol=0.05)
    assert res.nfe == net.forward_calls > 2
