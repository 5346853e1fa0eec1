"""The posterior-sampling bridge step with the exact heads of a linear-Gaussian system.

With a diagonal ``Q`` the posterior ``p(x1 | x_t, x0)`` is Gaussian with the diagonal covariance
``P_t = Q − t² Q V_t⁻¹ Q`` (conftest's notation), so ``N(x̂1, diag P_t)`` is the exact posterior
and the step "draw x̃1, then bridge towards it" is the exact transition: the end state has the
true conditional law ``N(A x0 + b, Q)`` at every NFE, including 1, where the mean-only step
returns the conditional mean with no spread (checked against the conftest closed form).
Monte Carlo with 100k draws; tolerances are 5 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import GaussianOracle, discrete_covariance

from idff_ts.config import SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.sampling.bridge import sample_bridge
from idff_ts.sampling.counting import CountingField

N = 100_000
SIGMA = 0.7
X0 = np.array([1.0, -0.5])
Q_DIAG = np.diag([0.5, 0.3])


class DiagonalGaussianOracle(GaussianOracle):
    """Exact ``(x̂1, ε̂, log diag P_t)`` of the system with a diagonal ``Q``."""

    def __init__(self, sigma: float) -> None:
        super().__init__(sigma)
        self.Q = torch.tensor(Q_DIAG, dtype=torch.float64)

    def heads(self, x_t, t, k, cond):
        x1_hat, eps_hat = super().heads(x_t, t, k, cond)
        st2 = self.sigma**2 * t * (1 - t)
        q = torch.diagonal(self.Q)
        # diagonal V_t = t² Q + σ_t² I, so P_t = Q − t² Q² / V_t elementwise
        var = q - (t[:, None] ** 2) * q**2 / (t[:, None] ** 2 * q + st2[:, None] + 1e-300)
        return x1_hat, eps_hat, torch.log(var)


def run(nfe: int, endpoint: str, gamma1: float = 0.0, n: int = N, seed: int = 0):
    net = DiagonalGaussianOracle(SIGMA)
    x0 = torch.tensor(X0, dtype=torch.float64).expand(n, 2).clone()
    field = CountingField(net, torch.ones(n, dtype=torch.long), x0[:, None])
    gen = torch.Generator().manual_seed(seed)

    def noise(shape):
        return torch.randn((n, *shape), generator=gen, dtype=torch.float64)

    sampler = SamplerConfig(nfe=nfe, gamma1=gamma1)
    return sample_bridge(field, x0, SIGMA, sampler, noise, endpoint), net


def moments(x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    a = x.numpy()
    return a.mean(0), np.cov(a.T)


def truth() -> tuple[np.ndarray, np.ndarray]:
    from conftest import A, B

    return A @ X0 + B, Q_DIAG


@pytest.mark.parametrize("nfe", [1, 2, 3, 5])
def test_gaussian_step_reproduces_true_mean_and_covariance_at_every_nfe(nfe):
    res, net = run(nfe, "gaussian")
    mean, cov = moments(res.x1)
    mu, q = truth()
    se_mean = np.sqrt(np.diag(q) / N)
    se_cov = np.sqrt((q**2 + np.outer(np.diag(q), np.diag(q))) / N)  # Var of a sample covariance
    assert np.all(np.abs(mean - mu) < 5 * se_mean), (mean, mu)
    assert np.all(np.abs(cov - q) < 5 * se_cov), (cov, q)
    assert res.nfe == nfe and net.forward_calls == nfe  # the variance head costs no call


@pytest.mark.parametrize("nfe", [1, 2, 3])
def test_mean_step_misses_the_covariance_the_gaussian_step_gets(nfe):
    res, _ = run(nfe, "mean")
    _, cov = moments(res.x1)
    _, q = truth()
    expected = discrete_covariance_diag(nfe)
    assert np.allclose(cov, expected, atol=0.01)  # the documented mean step, unchanged
    assert np.abs(np.diag(cov) - np.diag(q)).max() > 0.1  # under-dispersed: not the truth


def discrete_covariance_diag(nfe: int) -> np.ndarray:
    import conftest

    saved = conftest.Q
    conftest.Q = Q_DIAG
    try:
        return discrete_covariance(nfe, SIGMA)
    finally:
        conftest.Q = saved


def test_gamma1_on_the_gaussian_step_keeps_the_law_close():
    """γ1's Langevin move (score at the step's start, matched noise) adds a first-order splitting
    error only: the mean stays exact and the covariance within 5 % of Q at NFE 5."""
    res, _ = run(5, "gaussian", gamma1=1.0)
    mean, cov = moments(res.x1)
    mu, q = truth()
    assert np.all(np.abs(mean - mu) < 5 * np.sqrt(np.diag(q) / N))
    assert np.abs(np.diag(cov) / np.diag(q) - 1).max() < 0.05, cov


def test_last_step_lands_on_the_draw_and_seeds_reproduce():
    a, _ = run(3, "gaussian", n=64, seed=3)
    b, _ = run(3, "gaussian", n=64, seed=3)
    c, _ = run(3, "gaussian", n=64, seed=4)
    assert torch.equal(a.x1, b.x1) and not torch.equal(a.x1, c.x1)


def test_gamma2_is_refused_with_a_posterior_step():
    net = DiagonalGaussianOracle(SIGMA)
    x0 = torch.zeros(4, 2, dtype=torch.float64)
    field = CountingField(net, torch.ones(4, dtype=torch.long), x0[:, None])
    with pytest.raises(ConfigError, match="gamma2 applies to endpoint 'mean' only"):
        sample_bridge(field, x0, SIGMA, SamplerConfig(nfe=2, gamma2=0.5),
                      lambda s: torch.zeros((4, *s), dtype=torch.float64), "gaussian")
