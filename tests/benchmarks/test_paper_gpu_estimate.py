"""paper_gpu_estimate: FLOPs per tile without the row-block padding, and the GPU-hours formula."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def est():
    bench = str(ROOT / "benchmarks")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import paper_gpu_estimate

    return paper_gpu_estimate


def test_flops_per_tile_do_not_count_padding(est):
    from idff_ts.config import ModelConfig
    from idff_ts.nets import build_backbone

    cfg = ModelConfig(state_shape=(1, 60, 60), backbone="unet", hidden=4, channel_mult=(1,),
                      num_res_blocks=1, attention=False, emb_dim=8)
    net = build_backbone(cfg)
    whole = est.forward_flops(net.train(), batch=5)  # training: the batch whole, no padding
    net.eval()
    assert net.row_block > 1
    assert est.forward_flops(net) == pytest.approx(whole, rel=1e-12)
    # a batch that is not a multiple of row_block counts the padded rows too
    assert est.forward_flops(net, batch=1) == pytest.approx(whole * net.row_block, rel=1e-12)


def test_gpu_hours(est):
    flops = 1e10
    row = est.estimate(flops, 0.5, epochs=2, nfe=3)
    rate = est.H100_BF16_DENSE * 0.5
    assert row["train_gpu_h"] == pytest.approx(3 * flops * 13_514 * 11 * 2 / rate / 3600)
    assert row["hindcast_gpu_h"] == pytest.approx(flops * 3_949 * 50 * 7 * 3 / rate / 3600)
