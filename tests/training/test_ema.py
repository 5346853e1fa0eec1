"""EMA of weights: the update formula by hand, buffers, state round trip."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from idff_ts.training.ema import EMA, ema_decay


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))


def test_decay_schedule() -> None:
    assert ema_decay(0.999, 1) == pytest.approx(2 / 11)
    assert ema_decay(0.999, 10) == pytest.approx(11 / 20)
    assert ema_decay(0.9, 10_000) == 0.9
    assert ema_decay(0.5, 1, warmup=False) == 0.5


def test_update_matches_hand_computation() -> None:
    net = _net()
    ema = EMA(net, decay=0.9, warmup=True)
    w0 = net[0].weight.detach().clone()  # shadow starts at the initial weights
    shadow = w0.clone()
    with torch.no_grad():
        for n in range(1, 4):
            net[0].weight.add_(float(n))  # pretend an optimiser step
            d = ema.update(net)
            want_d = min(0.9, (1 + n) / (10 + n))
            assert d == pytest.approx(want_d)
            shadow = want_d * shadow + (1 - want_d) * net[0].weight
            torch.testing.assert_close(ema.shadow[0].weight, shadow, rtol=0, atol=1e-6)
    assert int(ema.num_updates) == 3
    # step 1 by hand: d = 2/11, θ̄ = 2/11 w0 + 9/11 (w0 + 1) = w0 + 9/11
    ema2 = EMA(_net(), decay=0.9)
    net2 = _net()
    with torch.no_grad():
        net2[0].weight.add_(1.0)
    ema2.update(net2)
    torch.testing.assert_close(ema2.shadow[0].weight, w0 + 9 / 11, rtol=0, atol=1e-6)


def test_without_warmup_uses_constant_decay() -> None:
    net = _net()
    ema = EMA(net, decay=0.75, warmup=False)
    b0 = net[0].bias.detach().clone()
    with torch.no_grad():
        net[0].bias.fill_(4.0)
    ema.update(net)
    torch.testing.assert_close(ema.shadow[0].bias, 0.75 * b0 + 0.25 * 4.0)


def test_buffers_are_copied_and_shadow_has_no_grad() -> None:
    net = _net()
    ema = EMA(net, decay=0.99)
    net.train()
    net(torch.randn(8, 2))  # moves BatchNorm running stats
    ema.update(net)
    torch.testing.assert_close(ema.shadow[1].running_mean, net[1].running_mean)
    assert all(not p.requires_grad for p in ema.shadow.parameters())
    ema.train()
    assert not ema.shadow.training  # the shadow always evaluates


def test_state_dict_round_trip_continues_the_counter() -> None:
    net = _net()
    ema = EMA(net, decay=0.9)
    for _ in range(5):
        ema.update(net)
    restored = EMA(_net(), decay=0.9)
    restored.load_state_dict(ema.state_dict())
    assert int(restored.num_updates) == 5
    assert restored.update(net) == pytest.approx(min(0.9, 7 / 16))


def test_bad_decay_and_mismatched_model() -> None:
    with pytest.raises(ValueError, match="decay"):
        EMA(_net(), decay=1.0)
    ema = EMA(_net())
    with pytest.raises(ValueError, match="architecture"):
        ema.update(nn.Linear(2, 3))
