"""Normalizer: statistics, train-only fitting, round trips, constant variables, torch."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from idff_ts.data.normalize import Normalizer
from idff_ts.errors import ConfigError, DataError

RNG = np.random.default_rng(0)


def test_vector_statistics_are_per_variable() -> None:
    x = RNG.normal([1.0, -2.0, 5.0], [0.5, 2.0, 10.0], size=(4, 500, 3))
    norm = Normalizer.fit(x)
    assert norm.mean.shape == (3,) and norm.std.shape == (3,)
    np.testing.assert_allclose(norm.mean, x.reshape(-1, 3).mean(axis=0))
    np.testing.assert_allclose(norm.std, x.reshape(-1, 3).std(axis=0))
    z = norm.transform(x)
    np.testing.assert_allclose(z.reshape(-1, 3).mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.reshape(-1, 3).std(axis=0), 1.0)


def test_field_statistics_are_per_channel_and_broadcast() -> None:
    x = (
        RNG.standard_normal((2, 30, 2, 4, 5)) * np.array([1.0, 3.0])[:, None, None]
        + np.array([0.0, 7.0])[:, None, None]
    )
    norm = Normalizer.fit(x)
    assert norm.mean.shape == (2, 1, 1)
    np.testing.assert_allclose(norm.mean[:, 0, 0], [x[:, :, 0].mean(), x[:, :, 1].mean()])
    windows = x[0, :8][None]  # any (..., C, H, W) array
    assert norm.transform(windows).shape == windows.shape


def test_scalar_and_per_pixel_axes() -> None:
    x = RNG.standard_normal((2, 30, 1, 4, 5))
    assert Normalizer.fit(x, axes=(0, 1, 2, 3, 4)).mean.shape == (1, 1, 1)
    assert Normalizer.fit(x, axes=(0, 1)).mean.shape == (1, 4, 5)
    with pytest.raises(ConfigError, match="must include 0 and 1"):
        Normalizer.fit(x, axes=(1, 2))


def test_round_trip_and_dtype() -> None:
    x = RNG.normal(3.0, 2.0, size=(2, 50, 3)).astype(np.float32)
    norm = Normalizer.fit(x)
    z = norm.transform(x)
    assert z.dtype == np.float32
    np.testing.assert_allclose(norm.inverse(z), x, rtol=1e-5, atol=1e-5)


def test_fitted_on_train_only_does_not_hide_a_shift() -> None:
    """Validation data shifted by +3 σ stay at mean ≈ 3 after the training transform."""
    train = RNG.normal(10.0, 2.0, size=(8, 400, 3))
    val = RNG.normal(16.0, 2.0, size=(2, 400, 3))
    norm = Normalizer.fit(train)
    z_val = norm.transform(val)
    np.testing.assert_allclose(z_val.reshape(-1, 3).mean(axis=0), 3.0, atol=0.15)
    # fitting on everything would have leaked val statistics into the mean
    leaky = Normalizer.fit(np.concatenate([train, val]))
    assert np.all(np.abs(leaky.mean - norm.mean) > 0.9)


def test_constant_variable_is_centred_not_divided_by_zero() -> None:
    x = RNG.standard_normal((2, 20, 2))
    x[..., 1] = 4.2
    norm = Normalizer.fit(x)
    assert norm.std[1] == 1.0
    z = norm.transform(x)
    assert np.all(np.isfinite(z)) and np.allclose(z[..., 1], 0.0)
    np.testing.assert_allclose(norm.inverse(z), x)


def test_dict_round_trip_is_json_safe() -> None:
    norm = Normalizer.fit(RNG.standard_normal((2, 10, 3, 4, 4)))
    data = json.loads(json.dumps(norm.to_dict()))
    back = Normalizer.from_dict(data)
    np.testing.assert_array_equal(back.mean, norm.mean)
    np.testing.assert_array_equal(back.std, norm.std)
    assert back.mean.shape == (3, 1, 1)
    with pytest.raises(ConfigError, match="lacks keys"):
        Normalizer.from_dict({"mean": [0.0]})


def test_torch_tensors_keep_type_dtype_and_values() -> None:
    x = RNG.normal(5.0, 3.0, size=(2, 40, 3))
    norm = Normalizer.fit(x)
    t = torch.tensor(x[0], dtype=torch.float32)
    z = norm.transform(t)
    assert isinstance(z, torch.Tensor) and z.dtype == torch.float32
    np.testing.assert_allclose(z.numpy(), norm.transform(x[0]), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(norm.inverse(z), t)


def test_shape_mismatch_and_bad_input() -> None:
    norm = Normalizer.fit(RNG.standard_normal((2, 10, 3)))
    with pytest.raises(DataError, match=r"statistics of shape \(3,\), found shape \(5, 4\)"):
        norm.transform(np.zeros((5, 4)))
    with pytest.raises(DataError, match=">= 3 dims"):
        Normalizer.fit(np.zeros((10, 3)))
    bad = np.zeros((1, 10, 3))
    bad[0, 2, 1] = np.nan
    with pytest.raises(DataError, match="1 NaN"):
        Normalizer.fit(bad)
    with pytest.raises(ConfigError, match="std finite and > 0"):
        Normalizer(mean=np.zeros(2), std=np.array([1.0, 0.0]))
