"""UNet backbone: the Backbone contract on fields, conditioning, batch independence, presets."""

from __future__ import annotations

import pytest
import torch

from idff_ts.config import ModelConfig, from_dict, to_dict
from idff_ts.errors import ConfigError
from idff_ts.nets import BACKBONES, UNET_PRESETS, UNetBackbone, build_backbone

SMALL = {"base_channels": 8, "channel_mult": (1, 2, 2), "emb_dim": 16}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny convolutions: one thread is faster and immune to other jobs on a shared CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _inputs(b: int, c: int, h: int, w: int, n_ctx: int = 1, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x_t = torch.randn(b, c, h, w, generator=g)
    cond = torch.randn(b, n_ctx, c, h, w, generator=g)
    t = torch.rand(b, generator=g)
    k = torch.randint(1, 8, (b,), generator=g)
    return x_t, t, k, cond


def _perturb(net: torch.nn.Module, seed: int = 1, scale: float = 0.1) -> None:
    """Move every weight off its initial value (the zero-initialised head included)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))


@pytest.mark.parametrize(
    ("shape", "n_ctx"),
    [((1, 60, 60), 1), ((1, 60, 60), 2), ((2, 15, 15), 1), ((1, 7, 11), 2), ((3, 33, 20), 1)],
)
def test_shapes(shape, n_ctx):
    net = UNetBackbone(shape, context=n_ctx, **SMALL)
    x_t, t, k, cond = _inputs(2, *shape, n_ctx=n_ctx)
    x1_hat, eps_hat = net(x_t, t, k, cond)
    assert x1_hat.shape == x_t.shape and eps_hat.shape == x_t.shape


def test_zero_init_is_residual_on_x0():
    net = UNetBackbone((1, 30, 30), context=2, **SMALL)
    x_t, t, k, cond = _inputs(3, 1, 30, 30, n_ctx=2)
    x1_hat, eps_hat = net(x_t, t, k, cond)
    torch.testing.assert_close(x1_hat, cond[:, -1])
    assert torch.count_nonzero(eps_hat) == 0


def test_static_channels():
    net = UNetBackbone((1, 16, 16), context=2, static_channels=1, **SMALL)
    _perturb(net)
    x_t, t, k, cond = _inputs(2, 1, 16, 16, n_ctx=2)
    mask = (torch.rand(16, 16) > 0.2).float()
    full = UNetBackbone.append_static(cond, mask)
    assert full.shape == (2, 2, 2, 16, 16)
    torch.testing.assert_close(full[:, :, :1], cond)
    torch.testing.assert_close(full[1, 0, 1], mask)
    a, _ = net(x_t, t, k, full)
    b, _ = net(x_t, t, k, UNetBackbone.append_static(cond, 1.0 - mask))
    assert not torch.allclose(a, b)  # the static field is an input
    with pytest.raises(ValueError, match="append_static"):
        net(x_t, t, k, cond)  # statics missing
    # Zero-init residual still refers to the state channels only.
    fresh = UNetBackbone((1, 16, 16), context=2, static_channels=1, **SMALL)
    torch.testing.assert_close(fresh(x_t, t, k, full)[0], cond[:, -1])


def test_depends_on_k_t_and_inputs():
    net = UNetBackbone((1, 20, 20), context=1, **SMALL).eval()
    _perturb(net)
    x_t, t, k, cond = _inputs(4, 1, 20, 20)
    base = net(x_t, t, k, cond)
    for args in (
        (x_t, t, k % 7 + 1, cond),
        (x_t, (t + 0.3) % 1.0, k, cond),
        (x_t + 0.5, t, k, cond),
        (x_t, t, k, cond + 0.5),
    ):
        other = net(*args)
        for a, b in zip(base, other, strict=True):
            assert (a - b).abs().amax(dim=(1, 2, 3)).min() > 1e-6  # every row changes


def test_no_cross_batch_dependence():
    net = UNetBackbone((1, 24, 24), context=2, attention=True, **SMALL).eval()
    _perturb(net)
    x_t, t, k, cond = _inputs(4, 1, 24, 24, n_ctx=2)
    ref = net(x_t, t, k, cond)
    x2, t2, k2, c2 = x_t.clone(), t.clone(), k.clone(), cond.clone()
    x2[1:] = torch.randn_like(x2[1:])
    t2[1:], k2[1:] = 1.0 - t2[1:], k2[1:] % 7 + 1
    c2[1:] = torch.randn_like(c2[1:])
    out = net(x2, t2, k2, c2)
    single = net(x_t[:1], t[:1], k[:1], cond[:1])
    for a, b, s in zip(ref, out, single, strict=True):
        torch.testing.assert_close(a[0], b[0], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(a[:1], s, rtol=1e-5, atol=1e-5)


def test_gradient_reaches_every_parameter():
    net = UNetBackbone((1, 15, 15), context=1, attention=True, num_res_blocks=2, **SMALL)
    _perturb(net, scale=0.05)
    x_t, t, k, cond = _inputs(2, 1, 15, 15)
    x1_hat, eps_hat = net(x_t, t, k, cond)
    (x1_hat.square().mean() + eps_hat.square().mean()).backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_fresh_net_gradient_flows_into_head():
    """At zero init only the head gets a gradient at first, and it is non-zero."""
    net = UNetBackbone((1, 12, 12), context=1, **SMALL)
    x_t, t, k, cond = _inputs(2, 1, 12, 12)
    x1_hat, eps_hat = net(x_t, t, k, cond)
    ((x1_hat - x_t).square().mean() + (eps_hat - 1).square().mean()).backward()
    assert net.out.weight.grad.abs().sum() > 0


def test_registry_build_and_config_roundtrip():
    assert "unet" in BACKBONES
    cfg = ModelConfig(state_shape=(1, 30, 30), backbone="unet", context=2, horizon=5, hidden=8,
                      channel_mult=[1, 2], emb_dim=16, static_channels=1)
    assert cfg.channel_mult == (1, 2)
    assert from_dict(ModelConfig, to_dict(cfg)) == cfg
    net = build_backbone(cfg)
    assert isinstance(net, UNetBackbone) and net.static_channels == 1
    x_t, t, k, cond = _inputs(2, 1, 30, 30, n_ctx=2)
    x1_hat, _ = net(x_t, t, k % 5 + 1, UNetBackbone.append_static(cond, torch.ones(1, 30, 30)))
    assert x1_hat.shape == x_t.shape
    with pytest.raises(ConfigError):
        ModelConfig(backbone="unet", channel_mult=())
    with pytest.raises(ConfigError):
        UNetBackbone((60, 60))


@pytest.mark.parametrize(("name", "lo", "hi"), [("demo", 1e5, 3e5), ("paper", 1e7, 4e7)])
def test_preset_sizes(name, lo, hi):
    cfg = ModelConfig(state_shape=(1, 60, 60), **UNET_PRESETS[name])
    n = sum(p.numel() for p in build_backbone(cfg).parameters())
    assert lo <= n <= hi
    assert from_dict(ModelConfig, to_dict(cfg)) == cfg


def test_demo_preset_forward_backward_60x60():
    net = build_backbone(ModelConfig(state_shape=(1, 60, 60), **UNET_PRESETS["demo"]))
    x_t, t, k, cond = _inputs(4, 1, 60, 60)
    x1_hat, eps_hat = net(x_t, t, k, cond)
    (x1_hat.square().mean() + eps_hat.square().mean()).backward()
    assert x1_hat.shape == (4, 1, 60, 60)


def test_forward_mode_jvp_matches_finite_difference():
    """γ2 needs torch.func.jvp through the whole net (attention included), in t and in x."""
    net = UNetBackbone((1, 12, 12), context=1, attention=True, **SMALL).double().eval()
    _perturb(net, scale=0.05)
    x_t, t, k, cond = (a.double() if a.is_floating_point() else a for a in _inputs(2, 1, 12, 12))
    dx, dt = torch.randn_like(x_t), torch.ones_like(t)

    def f(x, s):
        return net(x, s, k, cond)[0]

    _, tangent = torch.func.jvp(f, (x_t, t), (dx, dt))
    h = 1e-6
    fd = (f(x_t + h * dx, t + h * dt) - f(x_t - h * dx, t - h * dt)) / (2 * h)
    torch.testing.assert_close(tangent, fd, rtol=1e-5, atol=1e-6)
