"""Index-conditioned Implicit Dynamical Flow Fusion (Rezaei et al. 2024, arXiv:2409.14599).

One backbone, two heads: the data head ``x̂1`` (implicit flow) and the noise head ``ε̂`` (score).
Trained on the Brownian bridge between consecutive states (:mod:`idff_ts.paths`) with::

    L(θ) = E_{n,k,t,ε} [ w(t) ‖x̂1 − x1‖² + λ ‖ε̂ − ε‖² ]

averaged over valid points only. Pairs ``(x0, x1)`` come from the data; no minibatch-OT
re-pairing (method.md §2). ``w(t) = 1/(1 − t + δ)`` emphasises ``t → 1`` where the velocity
``(x̂1 − x)/(1 − t)`` amplifies errors of the data head; ``uniform`` sets ``w = 1``.

Posterior heads (``cfg.posterior``, method.md §3, :mod:`idff_ts.methods.idff_posterior`):
``"gaussian"`` adds ``posterior_weight ·`` the variance head's loss; ``"distributional"``
replaces the data term by ``w(t) ·`` the energy score of two generator draws. The sampler's
``endpoint`` chooses the mean step or the posterior-sampling step
(:mod:`idff_ts.sampling.posterior`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.methods.base import LossOutput, Method, draw_slots, masked_mean
from idff_ts.methods.idff_posterior import distributional_loss, gaussian_nll
from idff_ts.nets import Backbone, build_backbone
from idff_ts.paths import BridgePath
from idff_ts.sampling.bridge import SampleResult, sample_bridge
from idff_ts.sampling.counting import CountingField
from idff_ts.sampling.posterior import resolve_endpoint


class IDFF(Method):
    """IDFF over a backbone; ``forward(x_t, t, k, cond)`` returns ``(x̂1, ε̂)``."""

    name = "idff"

    def __init__(self, cfg: ModelConfig, backbone: Backbone | None = None) -> None:
        super().__init__(cfg)
        self.backbone = backbone if backbone is not None else build_backbone(cfg)
        self.path = BridgePath(cfg.sigma)

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        k: torch.Tensor,
        cond: torch.Tensor,
        xi: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        return self.backbone(x_t, t, k, cond, xi)

    def loss_weight(self, t: torch.Tensor) -> torch.Tensor:
        """``w(t)``: ``1/(1 − t + δ)`` (``inverse``) or 1 (``uniform``)."""
        if self.cfg.loss_weight == "uniform":
            return torch.ones_like(t)
        return 1.0 / (1.0 - t + self.cfg.loss_weight_eps)

    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        slots = draw_slots(batch, self.cfg.context, generator)
        b = slots.x0.shape[0]
        t = torch.rand(b, generator=generator, device="cpu").to(slots.x0)
        eps = torch.randn(slots.x0.shape, generator=generator, device="cpu").to(slots.x0)
        ps = self.path.sample(slots.x0, slots.x1, t, eps)
        if self.cfg.posterior == "distributional":
            data, noise = distributional_loss(
                self, ps.x_t, t, slots.k, slots.cond, (ps.x1, ps.eps), slots.mask, generator
            )
            loss = (self.loss_weight(t) * data + self.cfg.loss_lambda * noise).mean()
            return LossOutput(loss=loss, parts={"energy": data.mean(), "noise": noise.mean()})
        heads = self(ps.x_t, t, slots.k, slots.cond)
        data = masked_mean((heads[0] - ps.x1) ** 2, slots.mask)
        noise = masked_mean((heads[1] - ps.eps) ** 2, slots.mask)
        loss = (self.loss_weight(t) * data + self.cfg.loss_lambda * noise).mean()
        parts = {"data": data.mean(), "noise": noise.mean()}
        if self.cfg.posterior == "gaussian":
            nll = gaussian_nll(ps.x1, heads[0], heads[2], slots.mask).mean()
            loss = loss + self.cfg.posterior_weight * nll
            parts["variance_nll"] = nll
        return LossOutput(loss=loss, parts=parts)

    def sample_next(
        self,
        cond: torch.Tensor,
        k: torch.Tensor,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
    ) -> SampleResult:
        """Draw ``x1 ~ p(x1 | cond, k)`` with the bridge sampler from ``x0 = cond[:, -1]``."""
        endpoint = resolve_endpoint(sampler.endpoint, self.cfg.posterior)
        field = CountingField(self, k, cond)
        return sample_bridge(field, cond[:, -1], self.cfg.sigma, sampler, noise, endpoint)
