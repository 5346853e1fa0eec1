"""A linear-Gaussian system with closed-form IDFF heads, shared by the sampler tests.

``x1 | x0 ~ N(A x0 + b, Q)``. With the bridge ``x_t = (1−t) x0 + t x1 + σ_t ε`` and given x0:
``m_t = (1−t) x0 + t μ``, ``V_t = t² Q + σ_t² I``, ``Cov(x1, x_t) = t Q``, ``Cov(ε, x_t) = σ_t I``, so
the exact heads are ``x̂1 = μ + t Q V_t⁻¹ (x − m_t)`` and ``ε̂ = σ_t V_t⁻¹ (x − m_t)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from idff_ts.nets.base import Backbone

A = np.array([[0.9, 0.2], [-0.1, 0.8]])
B = np.array([0.3, -0.2])
Q = np.array([[0.5, 0.2], [0.2, 0.3]])


class GaussianOracle(Backbone):
    """Exact (x̂1, ε̂) of the linear-Gaussian system; counts its own forward calls."""

    def __init__(self, sigma: float) -> None:
        super().__init__()
        self.sigma = sigma
        self.A = torch.tensor(A, dtype=torch.float64)
        self.b = torch.tensor(B, dtype=torch.float64)
        self.Q = torch.tensor(Q, dtype=torch.float64)
        self.forward_calls = 0

    def heads(self, x_t, t, k, cond):  # noqa: D401 - contract of Backbone
        self.forward_calls += 1
        x0 = cond[:, -1]
        mu = x0 @ self.A.T + self.b
        tt = t.reshape(-1, 1, 1)
        st2 = (self.sigma**2 * t * (1 - t)).reshape(-1, 1, 1)
        eye = torch.eye(2, dtype=x_t.dtype)
        V = tt**2 * self.Q + st2 * eye + 1e-300 * eye
        m = (1 - t[:, None]) * x0 + t[:, None] * mu
        resid = torch.linalg.solve(V, (x_t - m).unsqueeze(-1)).squeeze(-1)
        x1_hat = mu + t[:, None] * resid @ self.Q.T
        eps_hat = torch.sqrt(st2[:, 0]) * resid
        at_zero = (t == 0)[:, None]
        x1_hat = torch.where(at_zero, mu, x1_hat)
        eps_hat = torch.where(at_zero, torch.zeros_like(eps_hat), eps_hat)
        return x1_hat, eps_hat


def discrete_covariance(nfe: int, sigma: float, gamma1: float = 0.0) -> np.ndarray:
    """Closed-form covariance of the bridge sampler's end state on the uniform grid.

    Each step is affine in x: ``x_s = B_t x + c + noise`` with ``B_t = (1−r) I + r G_t
    − h γ1 σ_t² V_t⁻¹`` (``G_t = t Q V_t⁻¹``, ``r = h/(1−t)``) and noise variance
    ``σ² h (1−s)/(1−t) + 2 h γ1 σ_t²``; the last step is ``x̂1`` itself.
    """
    eye = np.eye(2)
    C = np.zeros((2, 2))
    grid = [i / nfe for i in range(nfe + 1)]
    for t, s in zip(grid[:-1], grid[1:], strict=True):
        h = s - t
        st2 = sigma**2 * t * (1 - t)
        V = t * t * Q + st2 * eye
        G = t * Q @ np.linalg.inv(V) if t > 0 else np.zeros((2, 2))
        if s >= 1:
            Bm, var = G, 0.0
        else:
            r = h / (1 - t)
            Bm, var = (1 - r) * eye + r * G, sigma**2 * h * (1 - s) / (1 - t)
            if gamma1 > 0 and t > 0:
                Bm = Bm - h * gamma1 * st2 * np.linalg.inv(V)
                var += 2 * h * gamma1 * st2
        C = Bm @ C @ Bm.T + var * eye
    return C


def true_moments(x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return A @ x0 + B, Q


@pytest.fixture
def oracle():
    return GaussianOracle


@pytest.fixture
def gaussian():
    """Helpers of the linear-Gaussian system as a namespace."""

    class NS:
        pass

    ns = NS()
    ns.A, ns.B, ns.Q = A, B, Q
    ns.discrete_covariance = staticmethod(discrete_covariance)
    ns.true_moments = staticmethod(true_moments)
    ns.sqrt = math.sqrt
    return ns
