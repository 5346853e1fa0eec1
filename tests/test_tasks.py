"""Built-in task registry: data recipes, splits by trajectory, defaults, registration."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from idff_ts.config import TrainConfig
from idff_ts.errors import ConfigError, DataError
from idff_ts.tasks import TASKS, Task, get_task, hindcast_inits, register_task


def test_builtin_tasks_and_defaults():
    assert {"lorenz63", "rossler"} <= set(TASKS)
    task = get_task("Lorenz63")
    assert task.horizon == 10 and task.context == 1
    cfg = task.train_config(max_epochs=2)
    assert isinstance(cfg, TrainConfig) and cfg.max_epochs == 2
    assert task.model_config(hidden=8)["hidden"] == 8


def test_unknown_task_lists_known():
    with pytest.raises(ConfigError, match=r"unknown task 'nope'.*lorenz63.*rossler"):
        get_task("nope")


def test_lorenz63_splits_disjoint_and_deterministic():
    task = get_task("lorenz63")
    sp = task.splits()
    assert {k: v.sizes["trajectory"] for k, v in sp.items()} == {"train": 28, "val": 6, "test": 6}
    ids = [set(v["trajectory"].values.tolist()) for v in sp.values()]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert sp["test"].dims == ("trajectory", "time", "variable")
    assert task.splits() is sp  # cached


def test_test_inits_leave_truth_for_every_lead():
    task = get_task("lorenz63")
    test = task.splits()["test"]
    inits = task.test_inits(test)
    times = test["time"].values
    assert inits[0] == times[task.context - 1]
    last = int(np.flatnonzero(times == inits[-1])[0])
    assert last + task.horizon <= times.size - 1
    assert np.allclose(np.diff(inits), task.test_stride * 0.05)


def test_hindcast_inits_too_short():
    da = xr.DataArray(np.zeros(5), dims="time", coords={"time": np.arange(5.0)})
    assert hindcast_inits(da, 2, 3).tolist() == [1.0]
    with pytest.raises(DataError, match="need at least 6 steps"):
        hindcast_inits(da, 3, 3)


def test_register_a_new_task():
    def make(seed):
        da = xr.DataArray(np.arange(12.0).reshape(3, 4), dims=("trajectory", "time"), name="v")
        return {"train": da, "val": da, "test": da}

    task = register_task(Task(name="toy-test", description="toy", make_splits=make, horizon=2))
    try:
        assert get_task("toy-test").splits(seed=1)["train"].name == "v"
        with pytest.raises(ConfigError, match="already registered"):
            register_task(task)
        register_task(task, overwrite=True)
    finally:
        TASKS.pop("toy-test")
