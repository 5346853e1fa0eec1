"""Conditional OT flow matching (OT-CFM) baseline: Tong et al., "Improving and generalizing
flow-based generative models with minibatch optimal transport", TMLR 2024 (arXiv:2302.00482).

Source ``x0 ~ N(0, I)`` (independent noise, not the previous state), target ``x1`` the next
state, condition ``c`` = (context window, slot ``k``).

**Coupling** (``method_options["beta"]``, default 1). Each source row is a pair
``(c_i, z_i)`` and each target row a pair ``(c_j, x1_j)``; per minibatch the rows are paired by
the exact optimal-transport plan for the cost ``‖z_i − x1_j‖² + β ‖c_i − c_j‖²`` (conditional OT:
Kerrigan, Migliorini & Smyth 2024, "Dynamic conditional optimal transport through
simulation-free flows"; Chemseddine, Hagemann, Steidl & Wald 2024, "Conditional Wasserstein
distances with applications in Bayesian OT flow matching"; C2OT, arXiv:2503.10636). Noise then
only moves between rows whose conditions are close, so the condition, not the noise, selects
the target. β → ∞ is the independent coupling (:class:`ICFM`); β = 0 is the marginal pairing
by the targets alone (:class:`MarginalOTCFM`, an ablation only: the model collapses towards the
marginal). Uniform marginals on ``B`` rows make the plan a permutation (Birkhoff–von Neumann),
found exactly by the assignment problem. Then, with ``t ~ U[0, 1]`` and ``ε ~ N(0, I)``::

    x_t = (1 − t) x0 + t x1 + σ ε,        u_t = x1 − x0,
    L(θ) = E ‖v_θ(x_t, t, k, c) − u_t‖²     (valid points only)

**Output** (:mod:`idff_ts.methods.output`): ``direct`` reads ``v_θ`` from the backbone's second
head; ``residual`` derives it from the zero-initialised data head,
``v_θ = (x̂1 − x_t)/(1 − t + δ)`` with ``δ = 0.05`` (any velocity is reachable; at the start it
flows towards persistence). σ is ``method_options["sigma"]`` (default 0.01). Sampling integrates
``dx/dt = v_θ`` from ``x(0) = z`` (one draw of the member's stream) to ``t = 1`` with a
torchdiffeq solver; every network call is counted.

Solvers (``SamplerConfig.solver``): ``euler`` (default), ``midpoint``, ``rk4`` on a uniform
grid of ``nfe // stages`` steps (stages 1, 2, 4), and the adaptive ``dopri5`` (``nfe`` ignored,
the calls it makes are counted and reported).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.base import LossOutput, Method, draw_slots, masked_mean
from idff_ts.methods.output import output_mode
from idff_ts.nets import Backbone, build_backbone
from idff_ts.sampling.bridge import SampleResult
from idff_ts.sampling.counting import CountingField

#: Network calls per step of the fixed-grid torchdiffeq solvers.
FIXED_STAGES = {"euler": 1, "midpoint": 2, "rk4": 4}
ADAPTIVE = ("dopri5",)


def ot_permutation(
    x0: torch.Tensor,
    x1: torch.Tensor,
    mask: torch.Tensor | None = None,
    cond: torch.Tensor | None = None,
    beta: float = 0.0,
) -> torch.Tensor:
    """The exact minibatch OT pairing: ``perm`` such that ``x0[perm[j]]`` goes with ``x1[j]``.

    Cost ``C_ij = ‖x0_i − x1_j‖² + β ‖cond_i − cond_j‖²`` over valid points (``cond`` (B, …)
    the rows' conditions; ``β = 0`` or no ``cond``: the marginal pairing). Uniform marginals on
    ``B`` rows make the optimal plan a permutation, solved exactly by
    :func:`scipy.optimize.linear_sum_assignment`.
    """
    from scipy.optimize import linear_sum_assignment  # only when training OT-CFM (slow import)

    b = x0.shape[0]
    a = x0.reshape(b, -1).double()
    c = x1.reshape(b, -1).double()
    if mask is not None:
        w = mask.to(a.dtype).expand_as(x1).reshape(b, -1)
        a, c = a * w, c * w
    cost = torch.cdist(a, c).pow(2)
    if cond is not None and beta > 0.0:
        feats = cond.reshape(b, -1).double()
        cost = cost + beta * torch.cdist(feats, feats).pow(2)
    rows, cols = linear_sum_assignment(cost.cpu().numpy())
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
    """Conditional OT-CFM over a backbone; ``forward(x_t, t, k, cond)`` returns the velocity.

    Args:
        cfg: model config (the backbone is the same as IDFF's); ``cfg.method_options`` may set
            ``beta`` (coupling weight of the condition, chosen on validation), ``sigma`` (the
            constant width of the Gaussian path around the straight line) and ``output``.
        backbone: an already built backbone (default: from ``cfg``).
        sigma: σ when ``cfg.method_options`` has none.
    """

    name = "ot-cfm"
    #: Time offset of the residual parameterisation ``v = (x̂1 − x_t)/(1 − t + δ)``.
    RESIDUAL_DELTA = 0.05

    def __init__(
        self, cfg: ModelConfig, backbone: Backbone | None = None, sigma: float = 0.01
    ) -> None:
        super().__init__(cfg)
        self.backbone = backbone if backbone is not None else build_backbone(cfg)
        opts = cfg.method_options
        self.sigma = float(opts.get("sigma", sigma))
        self.beta = float(opts.get("beta", 1.0))
        self.output = output_mode(cfg)
        if self.sigma < 0 or self.beta < 0:
            raise ConfigError(f"OT-CFM needs sigma >= 0 and beta >= 0, got {self.sigma}, {self.beta}")

    def forward(
        self, x_t: torch.Tensor, t: torch.Tensor, k: torch.Tensor, cond: torch.Tensor
    ) -> torch.Tensor:
        x1_hat, v = self.backbone(x_t, t, k, cond)
        if self.output == "direct":
            return v
        tb = torch.as_tensor(t, dtype=x_t.dtype, device=x_t.device).expand(x_t.shape[0])
        tb = tb.reshape(-1, *([1] * (x_t.dim() - 1)))
        return (x1_hat - x_t) / (1.0 - tb + self.RESIDUAL_DELTA)

    def couple(
        self, noise: torch.Tensor, x1: torch.Tensor, mask: torch.Tensor | None,
        cond: torch.Tensor, k: torch.Tensor,
    ) -> torch.Tensor:
        """The noise row paired with each target row: the conditional minibatch OT plan."""
        feats = torch.cat([cond.reshape(cond.shape[0], -1), k.to(cond.dtype)[:, None]], dim=1)
        return noise[ot_permutation(noise, x1, mask, feats, self.beta)]

    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        slots = draw_slots(batch, self.cfg.context, generator)
        x1 = slots.x1
        b = x1.shape[0]
        noise = torch.randn(x1.shape, generator=generator, device="cpu").to(x1)
        x0 = self.couple(noise, x1, slots.mask, slots.cond, slots.k)
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
    and Liu et al. 2023's rectified flow, one round). The β → ∞ limit of :class:`OTCFM`."""

    name = "i-cfm"

    def couple(
        self, noise: torch.Tensor, x1: torch.Tensor, mask: torch.Tensor | None,
        cond: torch.Tensor, k: torch.Tensor,
    ) -> torch.Tensor:
        return noise


class MarginalOTCFM(OTCFM):
    """**Ablation only**: OT-CFM with the marginal pairing (β = 0), noise paired with targets
    by the targets alone, each target carrying its condition along. The network learns that
    the noise, not the condition, selects the target, and collapses towards the marginal
    (about climatology on the low-dimensional tasks; method.md §5). Not a baseline."""

    name = "ot-cfm-marginal"

    def couple(
        self, noise: torch.Tensor, x1: torch.Tensor, mask: torch.Tensor | None,
        cond: torch.Tensor, k: torch.Tensor,
    ) -> torch.Tensor:
        return noise[ot_permutation(noise, x1, mask)]
