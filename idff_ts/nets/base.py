"""The backbone contract shared by every network (MLP, UNet).

A backbone maps ``(x_t, t, k, cond)`` to the two IDFF heads (method.md §2):

- ``x1_hat`` (data head) ≈ E[x1 | x_t, c], the implicit flow;
- ``eps_hat`` (noise head) ≈ E[ε | x_t, c], the score model, ∇ log p_t ≈ −ε̂ / σ_t.

Shapes: ``x_t`` (B, *state), ``t`` (B,) float, ``k`` (B,) int in 1..K, ``cond`` (B, L, *state)
the context window whose last entry is the source state ``x0``.

Posterior heads (``ModelConfig.posterior``, method.md §3): with ``"gaussian"`` a third output,
the log-variance ``log v̂`` of ``p(x1 | x_t, c)`` per point; with ``"distributional"`` the
backbone takes a fifth input ``xi`` (B, *state), standard normal, and the data head returns a
draw ``x̃1 = G(x_t, t, k, c, ξ)`` (``xi = None`` means ``ξ = 0``).

**Rows independent of the batch.** Outside training, a backbone evaluates its rows in blocks of
exactly ``row_block`` rows, padding the last block with copies of its last row. Every kernel then
sees the same shapes whatever the batch size, so each row's floating-point arithmetic does not
depend on how many other rows travel with it. Without this, BLAS picks different kernels for
different row counts (on a 2-core AVX-512 CPU with MKL: the MLP's rows differ in the last bit
for batches of 1–10 rows against larger ones), and member ``m`` of an ensemble would change with
the ensemble size ``M`` or with ``chunk_members``, breaking the promise of method.md §4 (a
20-member ensemble is a bitwise prefix of a 50-member one). The cost is measured in
``benchmarks/results/row_blocks.md``. Training (``self.training``) evaluates the batch whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class HeadOutput:
    """The two heads of one network call, each shaped like the state (B, *state)."""

    x1_hat: torch.Tensor
    eps_hat: torch.Tensor


def _padded(part: torch.Tensor, rows: int) -> torch.Tensor:
    """``part`` (b, ...) extended to ``rows`` rows by repeating its last row."""
    missing = rows - part.shape[0]
    if missing == 0:
        return part
    return torch.cat([part, part[-1:].expand(missing, *part.shape[1:])], dim=0)


def in_row_blocks(
    fn: Callable[..., tuple[torch.Tensor, ...]], block: int, *inputs: torch.Tensor
) -> tuple[torch.Tensor, ...]:
    """``fn(*inputs)`` evaluated on consecutive blocks of exactly ``block`` rows.

    All inputs share their first (row) dimension; the last block is padded with copies of its
    last row and the padding is dropped from the outputs, which are concatenated along rows.
    """
    rows = inputs[0].shape[0]
    pieces: list[tuple[torch.Tensor, ...]] = []
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        out = fn(*(_padded(v[start:stop], block) for v in inputs))
        pieces.append(tuple(o[: stop - start] for o in out))
    return tuple(torch.cat(parts, dim=0) for parts in zip(*pieces, strict=True))


class Backbone(nn.Module):
    """Base class: subclasses implement :meth:`heads` returning ``(x1_hat, eps_hat)`` tensors.

    ``row_block``: rows per block outside training (see the module docstring); 0 turns blocking
    off. Subclasses pick a size suited to their cost per row.
    """

    row_block: int = 64

    def heads(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        k: torch.Tensor,
        cond: torch.Tensor,
        xi: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        raise NotImplementedError

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        k: torch.Tensor,
        cond: torch.Tensor,
        xi: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        # Tensors (not a dataclass) so that torch.func.jvp can differentiate through it.
        inputs = (x_t, t, k, cond) if xi is None else (x_t, t, k, cond, xi)
        if self.training or self.row_block <= 0 or x_t.shape[0] == 0:
            return self.heads(*inputs)
        return in_row_blocks(self.heads, self.row_block, *inputs)
