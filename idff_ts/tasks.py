"""Built-in forecasting tasks: data recipe, splits, default window and training sizes.

A :class:`Task` says how to make its ``train`` / ``val`` / ``test`` data (seeded, so every run of
a task sees the same data), the default context ``L`` and horizon ``K``, the model and training
settings that train on a laptop CPU in about a minute, and which test inits to score. Tasks are
looked up by name in :data:`TASKS`; adding one is a :class:`Task` plus :func:`register_task`::

    register_task(Task(name="lorenz96", description="...", make_splits=my_recipe, ...))

This module is the generic registry only. The built-in tasks are registered by their domains
(:meth:`idff_ts.domains.base.Domain.tasks`, e.g. ``lorenz63`` and ``rossler`` by
:mod:`idff_ts.domains.attractors`) when :mod:`idff_ts.domains` is imported, which
``import idff_ts`` does.
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


TASK_ALIASES: dict[str, str] = {}
"""Other names of registered tasks (``{"sst": "sst-etp"}``); see :func:`register_alias`."""


def register_alias(alias: str, name: str) -> None:
    """Let ``alias`` name the task ``name`` in :func:`get_task`."""
    TASK_ALIASES[str(alias).lower()] = str(name).lower()


def resolve_task_name(name: str) -> str:
    """``name`` with :data:`TASK_ALIASES` applied (case-insensitive)."""
    return TASK_ALIASES.get(str(name).lower(), str(name))


def get_task(name: str) -> Task:
    """The registered task ``name`` (case-insensitive, aliases applied); :class:`ConfigError`
    listing the known ones."""
    key = resolve_task_name(name).lower()
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


__all__ = [
    "TASKS",
    "TASK_ALIASES",
    "Task",
    "get_task",
    "hindcast_inits",
    "register_alias",
    "register_task",
    "resolve_task_name",
]
