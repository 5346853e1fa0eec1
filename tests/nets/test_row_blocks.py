"""Outside training a backbone's rows do not depend on the batch they travel in (bitwise)."""

from __future__ import annotations

import pytest
import torch

from idff_ts.config import ModelConfig
from idff_ts.nets import build_backbone
from idff_ts.nets.base import in_row_blocks


def _net_and_inputs(cfg: ModelConfig, rows: int):
    torch.manual_seed(0)
    net = build_backbone(cfg).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    s = cfg.state_shape
    g = torch.Generator().manual_seed(1)
    inputs = (torch.randn((rows, *s), generator=g), torch.rand(rows, generator=g),
              torch.randint(1, cfg.horizon + 1, (rows,), generator=g),
              torch.randn((rows, cfg.context, *s), generator=g))
    return net, inputs


@pytest.mark.parametrize("cfg,rows,sizes", [
    (ModelConfig(state_shape=(3,), horizon=3, hidden=32, depth=2, emb_dim=8), 600,
     [1, 2, 3, 5, 7, 10, 11, 255, 256, 257, 599]),
    (ModelConfig(state_shape=(1, 6, 6), horizon=3, backbone="unet", hidden=8,
                 channel_mult=(1, 2), emb_dim=8), 20, [1, 2, 3, 7, 8, 9, 19]),
])
@torch.no_grad()
def test_rows_do_not_depend_on_batch_size_or_offset(cfg, rows, sizes) -> None:
    net, inputs = _net_and_inputs(cfg, rows)
    full = net(*inputs)
    for n in sizes:
        for offset in (0, rows - n):  # a prefix, and rows at another position in their block
            part = net(*(v[offset:offset + n] for v in inputs))
            for a, b in zip(part, full, strict=True):
                assert torch.equal(a, b[offset:offset + n]), (n, offset)


def test_training_mode_evaluates_the_batch_whole() -> None:
    net, inputs = _net_and_inputs(ModelConfig(state_shape=(3,), horizon=3, hidden=16), 5)
    net.train()
    seen = []
    original = net.heads

    def spy(*args):
        seen.append(args[0].shape[0])
        return original(*args)

    net.heads = spy
    net(*inputs)
    net.eval()
    net(*inputs)
    assert seen == [5, net.row_block]


def test_every_block_has_exactly_block_rows_and_padding_is_dropped() -> None:
    seen = []

    def fn(x: torch.Tensor, y: torch.Tensor):
        seen.append(x.shape[0])
        return x * 2 + y, y[:, :1]

    x = torch.arange(22.0).reshape(11, 2)
    y = torch.ones(11, 2)
    a, b = in_row_blocks(fn, 4, x, y)
    assert seen == [4, 4, 4]
    assert torch.equal(a, x * 2 + 1) and torch.equal(b, torch.ones(11, 1))
