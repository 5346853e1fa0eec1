"""GPU time of the SST paper protocol with the paper UNet, extrapolated from counted FLOPs.

No GPU was lent to these sessions, so this is an estimate, not a measurement. What is counted
or measured here: the parameters of the ``sst-etp`` UNet (``ETP_MODEL``), the floating-point
operations of one forward pass on one 60 × 60 tile (:class:`torch.utils.flop_counter.FlopCounterMode`,
which counts convolutions, matrix products and attention; norms and activations are not
counted; on whole row blocks, so no padding is counted), and, as a check of the count, this CPU's wall time per tile-forward and the FLOP/s
that implies. What is assumed: the GPU's peak (an H100's dense BF16 tensor rate, 989 TFLOP/s,
the runbook's ``--precision bf16-mixed``) and the fraction of it a UNet of this size reaches
(``--utilisation``, default 10 % and 40 %); a training step costs 3 forward passes (forward and
backward); an epoch is every training window of 1982-2018 (11 boxes) once; validation and data
loading are left out.

    python benchmarks/paper_gpu_estimate.py        # → results/paper_gpu_estimate.{json,md}
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from _provenance import RESULTS, provenance

H100_BF16_DENSE = 989e12  # FLOP/s, NVIDIA H100 SXM datasheet, dense (no sparsity)
TRAIN_DAYS, BOXES, TEST_TILE_INITS, MEMBERS, LEADS = 13_514, 11, 3_949, 50, 7


def paper_backbone() -> Any:
    from idff_ts.config import ModelConfig
    from idff_ts.domains.sst.tasks import ETP_MODEL
    from idff_ts.nets import build_backbone

    return build_backbone(ModelConfig(state_shape=(1, 60, 60), context=1, horizon=LEADS,
                                      **ETP_MODEL))


def _inputs(n: int) -> tuple[Any, ...]:
    import torch

    return (torch.randn(n, 1, 60, 60), torch.rand(n), torch.randint(1, LEADS + 1, (n,)),
            torch.randn(n, 1, 1, 60, 60))


def forward_flops(net: Any, batch: int | None = None) -> float:
    """FLOPs of one forward pass per tile, counted by torch, on a batch of whole row blocks
    (outside training the backbone pads a batch to a multiple of ``row_block`` rows, so a
    smaller batch would count the padding too)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    batch = batch or max(1, int(getattr(net, "row_block", 0) or 0)) * 2
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(*_inputs(batch))
    return counter.get_total_flops() / batch


def cpu_seconds_per_tile(net: Any, batch: int = 16, repeats: int = 3) -> float:
    """Median wall seconds per tile-forward here (batch of ``batch``, after one warm-up)."""
    import torch

    x = _inputs(batch)
    times = []
    with torch.no_grad():
        net(*x)
        for _ in range(repeats):
            t0 = time.perf_counter()
            net(*x)
            times.append((time.perf_counter() - t0) / batch)
    return sorted(times)[len(times) // 2]


def estimate(flops: float, utilisation: float, epochs: int, nfe: int) -> dict[str, float]:
    rate = H100_BF16_DENSE * utilisation
    train = 3 * flops * TRAIN_DAYS * BOXES * epochs
    hindcast = flops * TEST_TILE_INITS * MEMBERS * LEADS * nfe
    return {"utilisation": utilisation, "train_gpu_h": train / rate / 3600,
            "hindcast_gpu_h": hindcast / rate / 3600}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--utilisation", type=float, nargs="+", default=[0.1, 0.4])
    ap.add_argument("--epochs", type=int, default=50, help="ETP_TRAIN's max_epochs")
    ap.add_argument("--nfe", type=int, nargs="+", default=[1, 3, 5])
    a = ap.parse_args(argv)
    import torch

    torch.manual_seed(0)
    net = paper_backbone().eval()
    flops = forward_flops(net)
    cpu_s = cpu_seconds_per_tile(net)
    res = {"provenance": provenance(benchmark="paper_gpu_estimate"),
           "parameters": sum(p.numel() for p in net.parameters()),
           "forward_gflop_per_tile": flops / 1e9, "cpu_s_per_tile_forward": cpu_s,
           "cpu_gflops_achieved": flops / cpu_s / 1e9, "epochs": a.epochs,
           "assumed_peak_flops": H100_BF16_DENSE,
           "rows": [{"nfe": n, **estimate(flops, u, a.epochs, n)}
                    for n in a.nfe for u in a.utilisation]}
    (RESULTS / "paper_gpu_estimate.json").write_text(json.dumps(res, indent=1) + "\n")
    (RESULTS / "paper_gpu_estimate.md").write_text(markdown(res))
    print(markdown(res))
    return 0


def markdown(res: dict[str, Any]) -> str:
    lines = ["# GPU time of the SST paper protocol (paper UNet): an estimate from counted FLOPs",
             "", f"Paper UNet (`ETP_MODEL`): {res['parameters']:,} parameters, "
             f"{res['forward_gflop_per_tile']:.2f} GFLOP per forward pass on one 60 × 60 tile "
             f"(counted by torch). On this CPU one tile-forward took "
             f"{res['cpu_s_per_tile_forward']:.3f} s ({res['cpu_gflops_achieved']:.1f} GFLOP/s "
             f"achieved). Assumed: an H100's dense BF16 peak "
             f"({res['assumed_peak_flops'] / 1e12:.0f} TFLOP/s) at the utilisation in the table; "
             f"training {res['epochs']} epochs of every 1982-2018 window of the 11 boxes at 3 "
             "forward passes per sample; the test hindcast 3,949 tile-inits × 50 members × 7 "
             "leads × NFE forward passes. Validation and data loading are left out. "
             "**Not measured on a GPU.**", "",
             "| NFE | utilisation | training, GPU-hours | test hindcast, GPU-hours |",
             "|---|---|---|---|"]
    lines += [f"| {r['nfe']} | {r['utilisation']:.0%} | {r['train_gpu_h']:.2f} | "
              f"{r['hindcast_gpu_h']:.2f} |" for r in res["rows"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
