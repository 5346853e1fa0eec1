"""Conditional OT flow matching (OT-CFM) baseline: Tong et al., "Improving and generalizing
flow-based generative models with minibatch optimal transport", TMLR 2024 (arXiv:2302.00482).

Source ``x0 ~ N(0, I)`` (independent noise, not the previous state), target ``x1`` the next
state, condition ``c`` = (context window, slot ``k``). Per minibatch the noise rows are re-paired
with the targets by the exact optimal-transport plan for the squared Euclidean cost; since both
marginals are uniform over ``B`` rows the plan is a permutation (Birkhoff–von Neumann), found
exactly by the assignment problem. Each target keeps its own condition and slot: only the noise
is permuted (method.md §5). Then, with ``t ~ U[0, 1]`` and ``ε ~ N(0, I)``::

    x_t = (1 − t) x0 + t x1 + σ ε,        u_t = x1 − x0,
    L(θ) = E ‖v_θ(x_t, t, k, c) − u_t‖²     (valid points only)

``v_θ`` is read from the backbone's second (unconstrained) head; the first head, a residual on
the source state, is not used. Sampling integrates ``dx/dt = v_θ`` from ``x(0) = z`` (one draw
of the member's stream) to ``t = 1`` with a torchdiffeq solver; every network call is counted.

Solvers (``SamplerConfig.solver``): ``euler`` (default), ``midpoint``, ``rk4`` on a uniform
grid of ``nfe // stages`` steps (stages 1, 2, 4), and the adaptive ``dopri5`` (``nfe`` ignored,
the calls it makes are counted and reported).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from scipy.optimize import linear_sum_assignment

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.base import LossOutput, Method, draw_slots, masked_mean
from idff_ts.nets import Backbone, build_backbone
from idff_ts.sampling.bridge import SampleResult
from idff_ts.sampling.counting import CountingField

#: Network calls per step of the fixed-grid torchdiffeq solvers.
FIXED_STAGES = {"euler": 1, "midpoint": 2, "rk4": 4}
ADAPTIVE = ("dopri5",)


def ot_permutation(x0: torch.Tensor, x1: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """The exact minibatch OT pairing: ``perm`` such that ``x0[perm[j]]`` goes with ``x1[j]``.

    Cost ``C_ij = ‖x0_i − x1_j‖²`` over valid points; uniform marginals on ``B`` rows make the
    optimal plan a permutation, solved exactly by :func:`scipy.optimize.linear_sum_assignment`.
    """
    b = x0.shape[0]
    a = x0.reshape(b, -1).double()
    c = x1.reshape(b, -1).double()
    if mask is not None:
        w = mask.to(a.dtype).expand_as(x1).reshape(b, -1)
        a, c = a * w, c * w
    cost = torch.cdist(a, c).pow(2).cpu().numpy()
    rows, cols = linear_sum_assignment(cost)
    perm = torch.empty(b, dtype=torch.long)
    perm[torch.as_tensor(cols)] = torch.as_tensor(rows)
    return perm.to(x0.device)


class _Velocity(torch.nn.Module):
    """``(t, x) ↦ v_θ(x, t)`` for torchdiffeq, through a counted field."""

    def __init__(self, field: CountingField) -> None:
        super().__init__()
        self.field = field

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.field(x, t)[1]


class OTCFM(Method):
    """OT-CFM over a backbone; ``forward(x_t, t, k, cond)`` returns the velocity ``v_θ``.

    Args:
        cfg: model config (the backbone is the same as IDFF's).
        backbone: an already built backbone (default: from ``cfg``).
        sigma: the constant width σ of the Gaussian path around the straight line (small, so
            that the ``t = 1`` marginal is the data distribution up to a σ-blur).
    """

    name = "ot-cfm"

    def __init__(
        self, cfg: ModelConfig, backbone: Backbone | None = None, sigma: float = 0.01
    ) -> None:
        super().__init__(cfg)
        self.backbone = backbone if backbone is not None else build_backbone(cfg)
        self.sigma = float(sigma)

    def forward(
        self, x_t: torch.Tensor, t: torch.Tensor, k: torch.Tensor, cond: torch.Tensor
    ) -> torch.Tensor:
        return self.backbone(x_t, t, k, cond)[1]

    def couple(self, noise: torch.Tensor, x1: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """The noise row paired with each target row: the exact minibatch OT permutation."""
        return noise[ot_permutation(noise, x1, mask)]

    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        slots = draw_slots(batch, self.cfg.context, generator)
        x1 = slots.x1
        b = x1.shape[0]
        noise = torch.randn(x1.shape, generator=generator, device="cpu").to(x1)
        x0 = self.couple(noise, x1, slots.mask)
        t = torch.rand(b, generator=generator, device="cpu").to(x1)
        eps = torch.randn(x1.shape, generator=generator, device="cpu").to(x1)
        tb = t.reshape(b, *([1] * (x1.dim() - 1)))
        x_t = (1.0 - tb) * x0 + tb * x1 + self.sigma * eps
        v = self(x_t, t, slots.k, slots.cond)
        flow = masked_mean((v - (x1 - x0)) ** 2, slots.mask)
        return LossOutput(loss=flow.mean(), parts={"flow": flow.mean()})

    def sample_next(
        self,
        cond: torch.Tensor,
        k: torch.Tensor,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
    ) -> SampleResult:
        """Integrate ``dx/dt = v_θ`` from ``x(0) = z ~ N(0, I)`` to ``t = 1``."""
        from torchdiffeq import odeint

        solver = "euler" if sampler.solver == "auto" else sampler.solver
        field = CountingField(lambda x, t, k_, c: (None, self(x, t, k_, c)), k, cond)
        state_shape = tuple(cond.shape[2:])
        x = noise(state_shape)
        ts = torch.tensor([0.0, 1.0], dtype=x.dtype, device=x.device)
        if solver in FIXED_STAGES:
            steps = sampler.nfe // FIXED_STAGES[solver]
            if steps < 1:
                raise ConfigError(
                    f"OT-CFM solver {solver!r} makes {FIXED_STAGES[solver]} calls per step; "
                    f"nfe={sampler.nfe} is too few"
                )
            grid = torch.linspace(0.0, 1.0, steps + 1, dtype=x.dtype, device=x.device)
            options = {"grid_constructor": lambda *_: grid}
            x1 = odeint(_Velocity(field), x, ts, method=solver, options=options)[-1]
        elif solver in ADAPTIVE:
            x1 = odeint(_Velocity(field), x, ts, method=solver, rtol=1e-4, atol=1e-4)[-1]
        else:
            raise ConfigError(
                f"unknown OT-CFM solver {solver!r}; expected one of "
                f"{sorted(FIXED_STAGES) + list(ADAPTIVE)} or 'auto'"
            )
        return SampleResult(x1=x1, nfe=field.calls, n_jvp=0)


class ICFM(OTCFM):
    """I-CFM: the same flow matching with the **independent** coupling (Tong et al. 2024, the
    "I-CFM" of arXiv:2302.00482; with σ → 0 also Lipman et al. 2023's conditional flow matching
    and Liu et al. 2023's rectified flow, one round).

    A diagnostic next to OT-CFM: minibatch OT pairs noise with targets by the targets alone, so
    when the condition nearly determines the target the noise a condition sees in training is a
    small region of N(0, I), while at inference it is all of N(0, I). Keeping the independent
    coupling isolates that effect from the rest of the method.
    """

    name = "i-cfm"

    def couple(self, noise: torch.Tensor, x1: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return noise
