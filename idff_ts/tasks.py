"""Built-in forecasting tasks: data recipe, splits, default window and training sizes.

A :class:`Task` says how to make its ``train`` / ``val`` / ``test`` data (seeded, so every run of
a task sees the same data), the default context ``L`` and horizon ``K``, the model and training
settings that train on a laptop CPU in about a minute, and which test inits to score. Tasks are
looked up by name in :data:`TASKS`; adding one is a :class:`Task` plus :func:`register_task`::

    register_task(Task(name="lorenz96", description="...", make_splits=my_recipe, ...))

Built in: ``lorenz63`` and ``rossler`` (evaluation.md §3): simulated trajectories
(:func:`~idff_ts.data.attractors.simulate_attractor`) split by whole trajectory
(:func:`~idff_ts.data.series.split_by_trajectory`), never by frame.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError, DataError

Splits = dict[str, xr.DataArray]
"""``{"train": da, "val": da, "test": da}``."""


@dataclass(frozen=True)
class Task:
    """A named forecasting task.

    Attributes:
        name: registry key (``idff-ts train --task NAME``).
        description: one line for ``--help`` and provenance.
        make_splits: ``make_splits(seed) -> {"train", "val", "test"}`` DataArrays with a
            ``time`` dim (deterministic in ``seed``).
        context, horizon: default ``L`` and ``K``.
        model: :class:`~idff_ts.config.ModelConfig` fields (besides the data-derived
            ``state_shape``, ``context``, ``horizon``).
        train: :class:`~idff_ts.config.TrainConfig` fields.
        members: default ensemble size for forecasts on the test split.
        test_stride: spacing (in steps) of the test inits.
        data_seed: the seed of the task's data (fixed: the task is the same for everyone).
        variable: name of the forecast variable (the DataArrays' name).
    """

    name: str
    description: str
    make_splits: Callable[[int], Splits]
    context: int = 1
    horizon: int = 10
    model: Mapping[str, Any] = field(default_factory=dict)
    train: Mapping[str, Any] = field(default_factory=dict)
    members: int = 20
    test_stride: int = 10
    data_seed: int = 0
    variable: str = "state"

    def splits(self, seed: int | None = None) -> Splits:
        """The task's ``train`` / ``val`` / ``test`` DataArrays (cached per seed)."""
        return _cached_splits(self.name, self.data_seed if seed is None else int(seed))

    def model_config(self, **overrides: Any) -> dict[str, Any]:
        """Model fields for :func:`idff_ts.fit` (``model=``), with ``overrides`` applied."""
        return {**self.model, **overrides}

    def train_config(self, **overrides: Any) -> Any:
        """A :class:`~idff_ts.config.TrainConfig` of the task's sizes with ``overrides``."""
        from idff_ts.config import TrainConfig, from_dict

        return from_dict(TrainConfig, {**self.train, **overrides})

    def test_inits(
        self,
        data: xr.DataArray,
        context: int | None = None,
        horizon: int | None = None,
        stride: int | None = None,
        time_dim: str = "time",
    ) -> np.ndarray:
        """Init times of ``data`` with a full context before and truth for every lead after.

        Every ``stride``-th time from index ``L − 1`` to ``T − 1 − K``.
        """
        return hindcast_inits(
            data, context or self.context, horizon or self.horizon,
            stride or self.test_stride, time_dim,
        )


def hindcast_inits(
    data: xr.DataArray | xr.Dataset, context: int, horizon: int, stride: int = 1,
    time_dim: str = "time",
) -> np.ndarray:
    """Every ``stride``-th time with ``context`` steps up to it and ``horizon`` steps after it."""
    if time_dim not in data.dims:
        raise DataError(f"expected a {time_dim!r} dim, found dims {list(map(str, data.dims))}")
    if stride < 1:
        raise ConfigError(f"stride must be >= 1, got {stride}")
    n = data.sizes[time_dim]
    first, last = context - 1, n - 1 - horizon
    if last < first:
        raise DataError(
            f"series too short for hindcasts: a context of {context} and a horizon of {horizon} "
            f"need at least {context + horizon} steps along {time_dim!r}, found {n}"
        )
    times = np.asarray(data[time_dim].values) if time_dim in data.coords else np.arange(n)
    return times[first : last + 1 : stride]


TASKS: dict[str, Task] = {}
"""Registered tasks by name; see :func:`register_task`."""


def register_task(task: Task, *, overwrite: bool = False) -> Task:
    """Add ``task`` to :data:`TASKS` (refusing to replace one unless ``overwrite``)."""
    if task.name in TASKS and not overwrite:
        raise ConfigError(f"task {task.name!r} is already registered; pass overwrite=True")
    TASKS[task.name] = task
    _cached_splits.cache_clear()
    return task


def get_task(name: str) -> Task:
    """The registered task ``name`` (case-insensitive); :class:`ConfigError` listing known ones."""
    key = str(name).lower()
    if key not in TASKS:
        raise ConfigError(f"unknown task {name!r}; expected one of {sorted(TASKS)}")
    return TASKS[key]


@functools.lru_cache(maxsize=8)
def _cached_splits(name: str, seed: int) -> Splits:
    splits = get_task(name).make_splits(seed)
    missing = {"train", "val", "test"} - set(splits)
    if missing:
        raise ConfigError(f"task {name!r} made splits {sorted(splits)}; missing {sorted(missing)}")
    return splits


def attractor_splits(
    system: str,
    n_trajectories: int,
    n_steps: int,
    counts: tuple[int, int, int],
    obs_noise: float = 0.0,
) -> Callable[[int], Splits]:
    """A ``make_splits`` recipe: simulate ``n_trajectories`` of ``system``, split by trajectory.

    The simulation uses ``seed``, the split ``seed + 1`` (independent streams); trajectories
    are on the attractor (spin-up discarded) and sampled at the system's default ``dt``.
    """

    def make(seed: int) -> Splits:
        from idff_ts.data.attractors import simulate_attractor
        from idff_ts.data.series import split_by_trajectory

        da = simulate_attractor(
            system, n_trajectories=n_trajectories, n_steps=n_steps, seed=seed, obs_noise=obs_noise
        )
        return split_by_trajectory(da, counts=counts, seed=seed + 1)

    return make


# Observation noise (about 12 % of Lorenz's and 10 % of Rössler's x std) makes the next state
# genuinely uncertain given the current one, so ensembles have something to represent.
# Sizes: 40 trajectories × 300 samples (28 train / 6 val / 6 test); an MLP of width 128 and
# depth 3 trains for ≈ 1 minute on a 2-core CPU (8 epochs × 24 steps of 256 windows).
# σ = 0.5 (standardised units) was chosen on the validation splits of both tasks over
# σ ∈ {0.1, 0.3, 0.5, 1, 2, 3} (benchmarks/results/attractor_nfe.md): 0.3–1 within ~4 %,
# σ = 0.1 ≈ 34 % worse.
_ATTRACTOR_MODEL = {"hidden": 128, "depth": 3, "emb_dim": 32, "sigma": 0.5}
_ATTRACTOR_TRAIN = {
    "max_epochs": 8, "batch_size": 256, "lr": 2e-3, "stride": 1, "limit_train_batches": 24,
    "val_members": 16, "val_nfe": 5, "val_inits": 48, "patience": 3,
}

register_task(Task(
    name="lorenz63",
    description="Lorenz-63 (σ=10, ρ=28, β=8/3), dt=0.05, 40 trajectories × 300 steps, "
    "observation noise 1.0, split 28/6/6 by trajectory",
    make_splits=attractor_splits("lorenz63", 40, 300, (28, 6, 6), obs_noise=1.0),
    context=1, horizon=10, model=_ATTRACTOR_MODEL, train=_ATTRACTOR_TRAIN,
))
register_task(Task(
    name="rossler",
    description="Rössler (a=b=0.2, c=5.7), dt=0.5, 40 trajectories × 300 steps, "
    "observation noise 0.5, split 28/6/6 by trajectory",
    make_splits=attractor_splits("rossler", 40, 300, (28, 6, 6), obs_noise=0.5),
    context=1, horizon=10, model=_ATTRACTOR_MODEL, train=_ATTRACTOR_TRAIN,
))


__all__ = [
    "TASKS",
    "Task",
    "attractor_splits",
    "get_task",
    "hindcast_inits",
    "register_task",
]

# The MD tasks (polyala, ala2) and the SST tasks (sst-demo, sst-etp, sst-wa4) register
# themselves on import; nothing is simulated or read until a task's splits are requested.
from idff_ts import tasks_md as _md_tasks  # noqa: E402,F401
from idff_ts.domains.sst import tasks as _sst_tasks  # noqa: E402,F401
