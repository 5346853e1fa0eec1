"""DYffusion is queried only where it was trained, and trained in two stages (issue 11 item 4;
Rühling Cachay et al. 2023)."""

from __future__ import annotations

import pytest
import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.dyffusion import DYffusion
from idff_ts.sampling.noise import MemberNoise


def _cfg(**options: object) -> ModelConfig:
    return ModelConfig(state_shape=(2,), context=1, horizon=4, hidden=8, depth=1, emb_dim=4,
                       method_options=dict(options))


def test_forecaster_is_queried_at_integer_steps_only() -> None:
    """The old sampler queried F at i = n/s for s sub-steps per slot (never trained there)."""
    method = DYffusion(_cfg())
    seen: list[float] = []
    real = method.forecast

    def spy(cond, x_i, i):  # noqa: ANN001
        seen.append(float(i))
        return real(cond, x_i, i)

    method.forecast = spy  # type: ignore[method-assign]
    method.sample_window(torch.zeros(3, 1, 2), 4, SamplerConfig(nfe=1, solver="cold"),
                         MemberNoise(0, range(1), 3))
    assert seen == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ConfigError, match="integer steps"):
        method.sample_window(torch.zeros(3, 1, 2), 4, SamplerConfig(nfe=3, solver="cold"),
                             MemberNoise(0, range(1), 3))


def test_two_stages_train_one_network_each() -> None:
    method = DYffusion(_cfg(interpolator_steps=2)).train()
    window = torch.randn(8, 5, 2)
    before = {n: p.detach().clone() for n, p in method.named_parameters()}
    opt = torch.optim.SGD(method.parameters(), lr=0.1)

    def step() -> set[str]:
        snapshot = {n: p.detach().clone() for n, p in method.named_parameters()}
        opt.zero_grad()
        method.loss({"window": window}).loss.backward()
        opt.step()
        return {n.split(".")[0] for n, p in method.named_parameters() if not torch.equal(p, snapshot[n])}

    assert method.stage() == "interpolator"
    assert step() == {"interpolator"} and step() == {"interpolator"}
    assert method.stage() == "forecaster"
    assert step() == {"forecaster"}
    assert before.keys() == dict(method.named_parameters()).keys()


def test_shorter_interpolation_horizon_chains_windows_exactly() -> None:
    """h = 2 < K = 4: with exact networks for a linear trend, chained windows are exact."""
    h = 2
    method = DYffusion(_cfg(h=h))
    d = torch.tensor([0.5, -1.0])
    method.interpolate = lambda cond, x_end, i: cond[:, -1] + (torch.as_tensor(i) / h) * (x_end - cond[:, -1])  # type: ignore[method-assign]
    method.forecast = lambda cond, x_i, i: x_i + (h - torch.as_tensor(i)) * d  # type: ignore[method-assign]
    x0 = torch.tensor([[1.0, 2.0], [0.0, -3.0]])
    res = method.sample_window(x0[:, None], 4, SamplerConfig(nfe=1), MemberNoise(0, range(1), 2))
    assert torch.allclose(res.x, torch.stack([x0 + i * d for i in range(1, 5)], dim=1), atol=1e-6)
    assert res.calls == 2 * (3 * h - 2)
    with pytest.raises(ConfigError, match="h must be"):
        DYffusion(_cfg(h=5))
