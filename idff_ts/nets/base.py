"""The backbone contract shared by every network (MLP, UNet).

A backbone maps ``(x_t, t, k, cond)`` to the two IDFF heads (method.md §2):

- ``x1_hat`` (data head) ≈ E[x1 | x_t, c], the implicit flow;
- ``eps_hat`` (noise head) ≈ E[ε | x_t, c], the score model, ∇ log p_t ≈ −ε̂ / σ_t.

Shapes: ``x_t`` (B, *state), ``t`` (B,) float, ``k`` (B,) int in 1..K, ``cond`` (B, L, *state)
the context window whose last entry is the source state ``x0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class HeadOutput:
    """The two heads of one network call, each shaped like the state (B, *state)."""

    x1_hat: torch.Tensor
    eps_hat: torch.Tensor


class Backbone(nn.Module):
    """Base class: subclasses implement :meth:`heads` returning ``(x1_hat, eps_hat)`` tensors."""

    def heads(
        self, x_t: torch.Tensor, t: torch.Tensor, k: torch.Tensor, cond: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def forward(
        self, x_t: torch.Tensor, t: torch.Tensor, k: torch.Tensor, cond: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # Tensors (not a dataclass) so that torch.func.jvp can differentiate through it.
        return self.heads(x_t, t, k, cond)
