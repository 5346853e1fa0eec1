"""Reference forecasts every score is compared with: persistence and climatology.

Both are returned in the layout of a model forecast (``template``: dims ``init, lead, member``
plus the state/space dims, coordinates ``valid_time`` etc.), so :func:`idff_ts.evaluate`
scores them exactly like a model.

- **persistence**: every lead equals the state at the init time (one member; its CRPS is the
  absolute error).
- **climatology**: ``M`` states drawn at random from the training data, pooled over time and
  series, the same distribution for every init and lead (for vector states; the day-of-year
  climatology of SST lives with the SST task).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from idff_ts.errors import DataError


def _forecast_var(template: xr.Dataset, var: str | None) -> str:
    if var is not None:
        return var
    names = [str(v) for v in template.data_vars]
    if len(names) != 1:
        raise DataError(f"template has variables {names}; pass var=")
    return names[0]


def persistence_like(
    template: xr.Dataset, data: xr.DataArray, var: str | None = None, time_dim: str = "time"
) -> xr.Dataset:
    """Persistence forecast shaped like ``template`` (one member): ``ŷ_{n+k} = y_n``."""
    name = _forecast_var(template, var)
    tmpl = template[name].isel(member=[0])
    try:
        at_init = data.sel({time_dim: template["init"].values}).rename({time_dim: "init"})
    except KeyError as exc:
        raise DataError(f"persistence needs the data at every init time: {exc}") from None
    at_init = at_init.assign_coords(init=template["init"].values)
    values = at_init.broadcast_like(tmpl).transpose(*tmpl.dims)
    out = tmpl.copy(data=values.values.astype(tmpl.dtype))
    ds = out.to_dataset(name=name)
    ds.attrs = {**template.attrs, "title": f"persistence forecast of {name}", "method": "persistence"}
    return ds


def climatology_like(
    template: xr.Dataset,
    train: xr.DataArray,
    members: int,
    seed: int = 0,
    var: str | None = None,
    time_dim: str = "time",
) -> xr.Dataset:
    """Climatological ensemble shaped like ``template`` with ``members`` training states."""
    name = _forecast_var(template, var)
    tmpl = template[name]
    series = [d for d in train.dims if d == time_dim or d not in tmpl.dims or d == "trajectory"]
    state_dims = [d for d in train.dims if d not in series]
    pooled = train.stack(sample=series).transpose("sample", *state_dims)
    rng = np.random.default_rng(seed)
    idx = rng.choice(pooled.sizes["sample"], size=members, replace=pooled.sizes["sample"] < members)
    extra = [c for c in pooled.coords if c not in state_dims]
    draws = pooled.isel(sample=idx).drop_vars(extra, errors="ignore")
    draws = draws.rename({"sample": "member"}).assign_coords(member=np.arange(members))
    shape_like = tmpl.isel(member=0, drop=True).expand_dims(member=np.arange(members))
    values = draws.broadcast_like(shape_like).transpose(*shape_like.dims)
    out = shape_like.copy(data=values.values.astype(tmpl.dtype)).transpose(*tmpl.dims)
    ds = out.to_dataset(name=name)
    ds.attrs = {
        **template.attrs, "title": f"climatology forecast of {name}", "method": "climatology",
        "ensemble_size": members, "seed": seed,
    }
    return ds


# ------------------------------------------------------------------ the same, as Methods
# So that the benchmark runner, the contract tests and ``fit(method=...)`` treat reference
# forecasts exactly like the learned methods (same rollout, same output layout, same scores).
# They have no network: ``fit`` sets them from the standardised training series.
import torch  # noqa: E402

from idff_ts.config import ModelConfig, SamplerConfig  # noqa: E402
from idff_ts.methods.base import LossOutput, Method  # noqa: E402
from idff_ts.sampling.bridge import SampleResult  # noqa: E402


class Persistence(Method):
    """``ŷ_{n+k} = y_n`` for every member and slot; no network (NFE 0), no spread."""

    name = "persistence"
    trainable = False
    stochastic = False

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None) -> LossOutput:
        zero = batch["window"].sum() * 0.0
        return LossOutput(loss=zero, parts={})

    def fit_reference(self, train: torch.Tensor) -> None:
        """Nothing to fit."""

    def sample_next(self, cond, k, sampler: SamplerConfig, noise) -> SampleResult:  # noqa: ANN001
        return SampleResult(x1=cond[:, -1].clone(), nfe=0, n_jvp=0)


def thin_evenly(rows: torch.Tensor, cap: int) -> torch.Tensor:
    """At most ``cap`` rows of ``rows``, evenly spaced over them (all rows when they fit)."""
    if rows.shape[0] <= cap:
        return rows
    return rows[torch.linspace(0, rows.shape[0] - 1, cap).round().long()]


def draw_rows(pool: torch.Tensor, noise: Callable[[tuple[int, ...]], torch.Tensor]) -> torch.Tensor:
    """One pool index per member: ``⌊Φ(z) · N⌋`` for a standard normal ``z`` of its stream."""
    n = pool.shape[0]
    u = torch.special.ndtr(noise((1,)).double()).reshape(-1)
    return (u * n).long().clamp(0, n - 1).to(pool.device)


class PooledReference(Method):
    """A reference forecast drawing from a pool of training rows kept in the buffer
    ``pool_name`` (saved with the model, of any length); no network, nothing to train."""

    trainable = False
    pool_name = "pool"

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:  # noqa: ANN001
        key = prefix + self.pool_name
        if key in state_dict:  # the saved pool's length, not the empty one of __init__
            setattr(self, self.pool_name, torch.empty_like(state_dict[key]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None) -> LossOutput:
        return LossOutput(loss=batch["window"].sum() * 0.0, parts={})


class Climatology(PooledReference):
    """Each member and slot is a training state drawn uniformly from the pooled training data.

    The pool (all training states, standardised, at most ``max_pool``) is a buffer saved with
    the model. Draw ``j`` of a member is ``⌊Φ(z) · N⌋`` for a standard normal ``z`` of that
    member's stream, so members are reproducible and prefix-stable like model members.
    """

    name = "climatology"

    def __init__(self, cfg: ModelConfig, max_pool: int = 100_000) -> None:
        super().__init__(cfg)
        self.max_pool = int(max_pool)
        self.register_buffer("pool", torch.zeros((0, *cfg.state_shape)))

    def fit_reference(self, train: torch.Tensor) -> None:
        states = torch.as_tensor(train, dtype=torch.float32).reshape(-1, *self.cfg.state_shape)
        self.pool = thin_evenly(states, self.max_pool).clone()

    def sample_next(self, cond, k, sampler: SamplerConfig, noise) -> SampleResult:  # noqa: ANN001
        if self.pool.shape[0] == 0:
            from idff_ts.errors import ConfigError

            raise ConfigError("climatology has no training states: call fit_reference(train) first")
        return SampleResult(x1=self.pool[draw_rows(self.pool, noise)].to(cond), nfe=0, n_jvp=0)
