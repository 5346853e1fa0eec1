"""The network as a vector field for one slot, with honest call counting.

NFE is the number of network calls actually made (method.md §3). A Jacobian-vector product
(used by the γ2 correction) is one more forward pass with a tangent; it is counted both as a
call and, separately, in ``n_jvp`` so reports can state its extra cost.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Net = Callable[..., tuple[torch.Tensor, ...]]


class CountingField:
    """``(x, t) ↦ (x̂1, ε̂[, log v̂])`` for fixed slot ``k`` (B,) and conditioning ``cond``
    (B, L, *state)."""

    def __init__(self, net: Net, k: torch.Tensor, cond: torch.Tensor) -> None:
        self.net = net
        self.k = k
        self.cond = cond
        self.calls = 0
        self.n_jvp = 0

    def _t(self, x: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        return t.expand(x.shape[0]) if t.dim() == 0 else t

    def __call__(
        self, x: torch.Tensor, t: float | torch.Tensor, xi: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, ...]:
        """The heads at ``(x, t)``; ``xi`` is the generator's noise (distributional heads only)."""
        self.calls += 1
        if xi is None:
            return self.net(x, self._t(x, t), self.k, self.cond)
        return self.net(x, self._t(x, t), self.k, self.cond, xi)  # type: ignore[call-arg]

    def jvp_x1(
        self, x: torch.Tensor, t: float | torch.Tensor, dx: torch.Tensor, dt: float = 1.0
    ) -> torch.Tensor:
        """Directional derivative ``∂x̂1/∂x · dx + ∂x̂1/∂t · dt`` by one forward-mode pass."""
        self.calls += 1
        self.n_jvp += 1
        tb = self._t(x, t).contiguous().clone()

        def x1_of(x_: torch.Tensor, t_: torch.Tensor) -> torch.Tensor:
            return self.net(x_, t_, self.k, self.cond)[0]

        _, tangent = torch.func.jvp(x1_of, (x, tb), (dx, torch.full_like(tb, dt)))
        return tangent
