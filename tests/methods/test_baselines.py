"""The baselines' mathematics against oracles: exact OT pairing by brute force, DDPM/DDIM with
the exact ε of a Gaussian target, DYffusion cold sampling with exact networks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.methods.ddpm import DDPM, cosine_alpha_bar, respaced_steps
from idff_ts.methods.dyffusion import DYffusion
from idff_ts.methods.otcfm import OTCFM, ot_permutation
from idff_ts.nets.base import Backbone
from idff_ts.sampling.noise import MemberNoise


def test_ot_permutation_is_the_brute_force_optimum() -> None:
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        x0, x1 = torch.randn(6, 2, generator=g), torch.randn(6, 2, generator=g)
        perm = ot_permutation(x0, x1)
        cost = float(((x0[perm] - x1) ** 2).sum())
        best = min(float(((x0[list(p)] - x1) ** 2).sum()) for p in itertools.permutations(range(6)))
        assert cost == pytest.approx(best, rel=1e-12)
        assert sorted(perm.tolist()) == list(range(6))


def test_ot_permutation_agrees_with_pot_emd() -> None:
    ot = pytest.importorskip("ot")
    g = torch.Generator().manual_seed(1)
    x0, x1 = torch.randn(32, 3, generator=g), torch.randn(32, 3, generator=g)
    perm = ot_permutation(x0, x1)
    plan = ot.emd(np.full(32, 1 / 32), np.full(32, 1 / 32), torch.cdist(x0, x1).pow(2).double().numpy())
    assert np.allclose(plan[perm.numpy(), np.arange(32)], 1 / 32)


def test_otcfm_loss_carries_the_condition_with_its_target() -> None:
    """Only the noise is permuted (by the conditional plan): row j keeps target j, its context
    and its slot."""
    cfg = ModelConfig(state_shape=(2,), context=1, horizon=2, hidden=8, depth=1, emb_dim=4)
    method = OTCFM(cfg, sigma=0.0)
    seen = {}

    def spy(x_t, t, k, cond):  # noqa: ANN001
        seen.update(x_t=x_t, t=t, cond=cond, k=k)
        return x_t, torch.zeros_like(x_t)

    method.backbone.forward = spy  # type: ignore[method-assign]
    window = torch.arange(24, dtype=torch.float32).reshape(4, 3, 2)
    method.loss({"window": window}, torch.Generator().manual_seed(0))
    # with sigma = 0 the path is x_t = (1 − t) x0 + t x1; the condition must be window[:, k − 1]
    # for the row's own x1 = window[:, k]: x1 − cond is (2, 2) for every row of this window.
    t = seen["t"][:, None]
    x0_rows = seen["x_t"] - t * (seen["cond"][:, -1] + 2.0)
    assert torch.isfinite(x0_rows).all()
    g = torch.Generator().manual_seed(0)
    torch.randint(1, 3, (4,), generator=g)  # the slots drawn first by draw_slots
    noise = torch.randn((4, 2), generator=g)
    feats = torch.cat([seen["cond"].reshape(4, -1), seen["k"].float()[:, None]], dim=1)
    perm = ot_permutation(noise, seen["cond"][:, -1] + 2.0, cond=feats, beta=method.beta)
    assert torch.allclose(x0_rows, (1 - t) * noise[perm], atol=1e-5)


class GaussianEps(Backbone):
    """The exact ``E[ε | x_n]`` for ``x1 ~ N(mu, s²)`` under the cosine schedule."""

    def __init__(self, mu: float, s: float, steps: int = 1000) -> None:
        super().__init__()
        self.mu, self.s = mu, s
        self.alpha_bar = cosine_alpha_bar(steps)
        self.steps = steps

    def heads(self, x_t, t, k, cond):  # noqa: ANN001
        n = torch.round(t * self.steps).long().cpu()
        ab = self.alpha_bar[n].to(x_t).reshape(-1, *([1] * (x_t.dim() - 1)))
        a, b = ab.sqrt(), (1 - ab).sqrt()
        eps = b * (x_t - a * self.mu) / (a * a * self.s**2 + b * b)
        return x_t, eps


@pytest.mark.parametrize("solver,nfe", [("ddim", 200), ("ancestral", 1000)])
def test_ddpm_samplers_reproduce_a_gaussian_target(solver: str, nfe: int) -> None:
    """With the exact ε both samplers converge to the target. (Coarser ancestral chains keep
    the fixed posterior variance of Ho et al. and under-disperse: std 0.665 at 50 steps here.)"""
    cfg = ModelConfig(state_shape=(1,), context=1, horizon=1,
                      method_options={"schedule": "cosine", "prediction": "eps"})
    method = DDPM(cfg, backbone=GaussianEps(mu=1.5, s=0.7))
    n = 20000
    noise = MemberNoise(0, range(1), n)
    cond = torch.zeros(n, 1, 1)
    res = method.sample_next(cond, torch.ones(n, dtype=torch.long),
                             SamplerConfig(nfe=nfe, solver=solver), noise)
    assert res.nfe == nfe
    x = res.x1.double()
    assert float(x.mean()) == pytest.approx(1.5, abs=4 * 0.7 / math.sqrt(n))
    assert float(x.std()) == pytest.approx(0.7, rel=0.015)


def test_cosine_schedule_and_respacing() -> None:
    ab = cosine_alpha_bar(1000)
    assert ab[0] == 1.0 and bool((ab[1:] < ab[:-1]).all()) and float(ab[-1]) < 1e-6
    assert respaced_steps(1, 1000) == [1000]
    assert respaced_steps(4, 1000) == [1000, 750, 500, 250]


def test_dyffusion_cold_sampling_is_exact_with_exact_networks() -> None:
    """For x_{t+i} = x_t + i d, the exact I and F make cold sampling reproduce every lead."""
    h = 4
    cfg = ModelConfig(state_shape=(2,), context=1, horizon=h, hidden=8, depth=1, emb_dim=4)
    method = DYffusion(cfg)
    d = torch.tensor([0.5, -1.0])
    method.interpolate = lambda cond, x_end, i: cond[:, -1] + (torch.as_tensor(i) / h) * (x_end - cond[:, -1])  # type: ignore[method-assign]
    method.forecast = lambda cond, x_i, i: x_i + (h - torch.as_tensor(i)) * d  # type: ignore[method-assign]
    x0 = torch.tensor([[1.0, 2.0], [0.0, -3.0]])
    res = method.sample_window(x0[:, None], h, SamplerConfig(nfe=1, solver="cold"),
                               MemberNoise(0, range(1), 2))
    want = torch.stack([x0 + i * d for i in range(1, h + 1)], dim=1)
    assert torch.allclose(res.x, want, atol=1e-6)
    assert res.calls == 3 * h - 2  # F each step, I at both ends except i = 0 and i = h
