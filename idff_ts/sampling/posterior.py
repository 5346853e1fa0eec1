"""Posterior sampling of the bridge endpoint (method.md §3).

The exact transition of the bridge from ``(x_t, t)`` to ``s > t`` is: draw ``x1 ~ p(x1 | x_t, c)``,
then take the Brownian-bridge step from ``x_t`` towards that ``x1``. The paper's step uses the
posterior *mean* ``x̂1`` instead (``endpoint="mean"``), which is exact only as the steps shrink:
with the exact heads of a Gaussian problem it returns the conditional mean, with no spread, at
one step. Drawing the endpoint from a learned approximation of the posterior makes a large step
exact when the approximation is:

- ``"gaussian"``: ``x̃1 ~ N(x̂1, diag v̂)`` with the variance head ``v̂(x_t, t, k, c)`` trained on
  the squared error of the stop-gradient data head (Bao et al. 2022, "Analytic-DPM", ICLR 2022,
  and "Estimating the optimal covariance with imperfect mean in diffusion probabilistic
  models", ICML 2022). It shares the backbone's forward pass: no extra network call.
- ``"distributional"``: ``x̃1 = G(x_t, t, k, c, ξ)``, ``ξ ~ N(0, I)``, a generator trained with
  the energy score (De Bortoli et al. 2025, "Distributional diffusion models with scoring
  rules", arXiv:2502.02483). One network call per step, ``ξ`` being one of its inputs.

Every draw (``ξ`` or the Gaussian's standard normal) comes from the member's own stream, so
member ``m`` does not depend on the ensemble size.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from idff_ts.errors import ConfigError

Noise = Callable[[tuple[int, ...]], torch.Tensor]
#: Bounds of the log-variance head's output used when sampling (standardised units).
LOG_VAR_RANGE = (-30.0, 10.0)


def resolve_endpoint(requested: str, posterior: str) -> str:
    """The endpoint a model with posterior heads ``posterior`` uses for ``requested``.

    ``"auto"`` is ``"distributional"`` for a generator data head and ``"mean"`` otherwise; a
    step the model has no head for is a :class:`ConfigError`.
    """
    if requested == "auto":
        return "distributional" if posterior == "distributional" else "mean"
    if requested == "mean" and posterior == "distributional":
        raise ConfigError(
            "endpoint 'mean' needs a posterior-mean data head, but this model's data head is a "
            "generator (posterior='distributional'); use endpoint 'distributional' or 'auto'"
        )
    if requested in ("gaussian", "distributional") and posterior != requested:
        raise ConfigError(
            f"endpoint {requested!r} needs a model trained with posterior={requested!r}, got "
            f"posterior={posterior!r}; use endpoint 'mean' or 'auto', or retrain"
        )
    return requested


def require_mean_head(net: object) -> None:
    """Refuse a network whose data head is a generator where a posterior mean is needed (the
    SDE/ODE adapters' drift uses ``x̂1``)."""
    if getattr(getattr(net, "cfg", None), "posterior", "none") == "distributional":
        raise ConfigError(
            "this solver needs the posterior-mean data head, but the model's data head is a "
            "generator (posterior='distributional'); use the bridge sampler instead"
        )


def endpoint_draw(
    heads: tuple[torch.Tensor, ...], endpoint: str, noise: Noise
) -> torch.Tensor:
    """The endpoint the step moves towards, from one network call's ``heads``.

    ``"mean"``: ``x̂1``; ``"distributional"``: the generator's draw (``heads[0]``, ``ξ`` was an
    input); ``"gaussian"``: ``x̂1 + sqrt(v̂) z`` with ``z`` from ``noise``.
    """
    if endpoint in ("mean", "distributional"):
        return heads[0]
    if endpoint == "gaussian":
        if len(heads) < 3:
            raise ConfigError("endpoint 'gaussian' needs a variance head (posterior='gaussian')")
        x1_hat, log_var = heads[0], heads[2].clamp(*LOG_VAR_RANGE)
        return x1_hat + torch.exp(0.5 * log_var) * noise(tuple(x1_hat.shape[1:]))
    raise ConfigError(f"unknown endpoint {endpoint!r}")
