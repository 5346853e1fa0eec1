"""The training YAML (--config) and config type checks: one ConfigError line per problem."""

from __future__ import annotations

import pytest

from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig
from idff_ts.config_file import read_config_file
from idff_ts.errors import ConfigError, DataError


def test_a_valid_file_round_trips(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("context: 2\nhorizon: 5\nmodel:\n  hidden: 32\ntrain:\n  lr: 0.001\n")
    assert read_config_file(path) == {"context": 2, "horizon": 5, "model": {"hidden": 32},
                                      "train": {"lr": 0.001}}


@pytest.mark.parametrize("text,needle", [
    ("train:\n  batch_size: zero\n", "TrainConfig.batch_size: expected an integer, found 'zero'"),
    ("model:\n  sigma: .inf\n", "expected a finite number"),
    ("horizon: 2.5\n", "horizon must be an integer >= 1"),
    ("model: [1]\n", "'model' must be a mapping"),
    ("train: !!python/object/apply:os.system ['true']\n", "cannot parse"),
])
def test_bad_files(tmp_path, text, needle):
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        read_config_file(path)
    assert needle in str(err.value) and str(path) in str(err.value)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_config_file(tmp_path / "none.yaml")


@pytest.mark.parametrize("cls,kw", [
    (ModelConfig, {"hidden": "64"}), (ModelConfig, {"attention": 1}),
    (ModelConfig, {"state_shape": ("a",)}), (ModelConfig, {"sigma": float("nan")}),
    (ModelConfig, {"method_options": [("beta", 1.0)]}), (ModelConfig, {"method_options": {1: 2}}),
    (SamplerConfig, {"nfe": 2.0}), (SamplerConfig, {"gamma1": float("inf")}),
    (TrainConfig, {"batch_size": True}), (TrainConfig, {"limit_train_batches": "all"}),
])
def test_wrong_types_are_config_errors(cls, kw):
    with pytest.raises(ConfigError, match=next(iter(kw))):
        cls(**kw)


def test_numpy_and_int_values_are_accepted():
    import numpy as np

    assert ModelConfig(hidden=np.int64(8), sigma=1).hidden == 8
    assert TrainConfig(limit_train_batches=0.5, deterministic=True).limit_train_batches == 0.5


def test_method_options_are_a_copied_mapping():
    opts = {"output": "residual"}
    cfg = ModelConfig(method_options=opts)
    opts["output"] = "changed"
    assert cfg.method_options == {"output": "residual"}
    assert ModelConfig(method_options=None).method_options == {}
    with pytest.raises(ConfigError, match="method_options: expected a mapping with string keys"):
        ModelConfig(method_options="beta=1")
