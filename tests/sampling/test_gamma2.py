"""γ2 second-order correction against an ODE with a known answer.

With σ = 0 the bridge step is an Euler step of ``dx/dt = (x̂1(x, t) − x)/(1 − t)``. For the
smooth field ``x̂1 = sin(x) + t`` the exact one-step answer comes from ``solve_ivp`` at tight
tolerance. The corrected step must be more accurate and converge at one order higher.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.integrate import solve_ivp

from idff_ts.nets.base import Backbone
from idff_ts.sampling.bridge import bridge_step
from idff_ts.sampling.counting import CountingField


class SineField(Backbone):
    def heads(self, x_t, t, k, cond):
        return torch.sin(x_t) + t[:, None], torch.zeros_like(x_t)


def exact(x0: np.ndarray, t: float, s: float) -> np.ndarray:
    rhs = lambda tt, x: (np.sin(x) + tt - x) / (1 - tt)  # noqa: E731
    return solve_ivp(rhs, (t, s), x0, rtol=1e-12, atol=1e-12, method="DOP853").y[:, -1]


def one_step(x0: np.ndarray, t: float, s: float, gamma2: float) -> np.ndarray:
    x = torch.tensor(x0, dtype=torch.float64)[None]
    field = CountingField(SineField(), torch.ones(1, dtype=torch.long), x[:, None])
    x1_hat, eps_hat = field(x, t)
    curv = field.jvp_x1(x, t, (x1_hat - x) / (1 - t), 1.0) if gamma2 else None
    out = bridge_step(x, t, s, x1_hat, eps_hat, 0.0, None, curvature=curv, gamma2=gamma2)
    return out[0].numpy()


def test_gamma2_reduces_one_step_error_and_raises_order():
    x0 = np.array([0.3, -1.2, 2.0])
    t = 0.2
    errs = {}
    for g2 in (0.0, 1.0):
        errs[g2] = [
            np.abs(one_step(x0, t, t + h, g2) - exact(x0, t, t + h)).max() for h in (0.1, 0.05)
        ]
    assert errs[1.0][0] < 0.2 * errs[0.0][0]
    # local error O(h²) without the correction, O(h³) with it
    assert 3.0 < errs[0.0][0] / errs[0.0][1] < 5.0
    assert 6.0 < errs[1.0][0] / errs[1.0][1] < 10.0
