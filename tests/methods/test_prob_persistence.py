"""Probabilistic persistence: y_n plus one training increment trajectory per member."""

from __future__ import annotations

import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.methods import ProbabilisticPersistence
from idff_ts.sampling.noise import MemberNoise


def test_members_are_the_init_state_plus_training_increment_trajectories() -> None:
    k = 3
    train = torch.randn(2, 20, 2)
    method = ProbabilisticPersistence(ModelConfig(state_shape=(2,), context=1, horizon=k))
    method.fit_reference(train)
    brute = torch.stack([train[s, j + 1 : j + 1 + k] - train[s, j]
                         for s in range(2) for j in range(20 - k)])
    assert torch.allclose(method.increments, brute)
    cond = torch.tensor([[[1.0, -2.0]]]).repeat(64, 1, 1)
    res = method.sample_window(cond, k, SamplerConfig(nfe=1), MemberNoise(0, range(1), 64))
    assert res.calls == 0 and res.x.shape == (64, k, 2)
    inc = res.x - cond[:, -1:]
    # every member is one whole increment trajectory of the pool (all its leads together)
    match = (inc[:, None] - brute[None]).abs().amax(dim=(2, 3)) < 1e-6
    assert bool(match.any(dim=1).all())
    assert len({int(i) for i in match.float().argmax(dim=1)}) > 10  # members differ


def test_pool_is_thinned_to_the_memory_cap() -> None:
    method = ProbabilisticPersistence(ModelConfig(state_shape=(2,), horizon=2), max_values=40)
    method.fit_reference(torch.randn(1, 100, 2))
    assert method.increments.shape == (10, 2, 2)
