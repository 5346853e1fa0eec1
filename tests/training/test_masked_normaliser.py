"""The masked normaliser of ``prepare_data``: the two-pass formula, in one call for small
arrays (bit for bit) and block by block for large ones (equal up to float64 rounding); the
standardised splits, the same values in any blocks."""

from __future__ import annotations

import numpy as np

from idff_ts.training import splits


def _one_call(train: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The formula written out once, over the whole array (the oracle)."""
    w = np.broadcast_to(np.asarray(mask, np.float64), train.shape)
    axes = (0, 1, 3, 4)
    n = w.sum(axis=axes, keepdims=True)
    mean = (train * w).sum(axis=axes, keepdims=True) / n
    std = np.sqrt((((train - mean) ** 2) * w).sum(axis=axes, keepdims=True) / n)
    return mean[0, 0], std[0, 0]


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    train = (25 + 2 * rng.standard_normal((2, 50, 2, 6, 5))).astype(np.float32)
    mask = (rng.random((1, 6, 5)) > 0.3).astype(np.float32)
    train[:, :, :, mask[0] == 0] = 0.0  # land filled with 0, as prepare_data does
    return train, mask


def test_small_arrays_are_reduced_in_one_call_bit_for_bit():
    train, mask = _data()
    assert train.size * 8 <= splits.BLOCK_BYTES
    norm = splits.fit_normalizer(train, mask)
    mean, std = _one_call(train, mask)
    assert np.array_equal(norm.mean, mean) and np.array_equal(norm.std, std)
    # the land zeros are not in the statistics: the valid points' own mean and std
    valid = train[:, :, 1][:, :, mask[0] > 0]
    np.testing.assert_allclose(norm.mean[1, 0, 0], valid.astype(np.float64).mean(), rtol=1e-12)
    np.testing.assert_allclose(norm.std[1, 0, 0], valid.astype(np.float64).std(), rtol=1e-12)


def test_large_arrays_are_reduced_by_blocks_of_time(monkeypatch):
    train, mask = _data()
    per_step = 8 * train.size // train.shape[1]
    monkeypatch.setattr(splits, "BLOCK_BYTES", 7 * per_step)  # blocks of 7 steps: 8 blocks
    norm = splits.fit_normalizer(train, mask)
    mean, std = _one_call(train, mask)
    np.testing.assert_allclose(norm.mean, mean, rtol=1e-13)
    np.testing.assert_allclose(norm.std, std, rtol=1e-12)


def test_standardised_is_the_transform_bit_for_bit_in_any_blocks(monkeypatch):
    train, mask = _data()
    norm = splits.fit_normalizer(train, mask)
    for arr in (train, train.astype(np.float64)):
        want = norm.transform(arr).astype(np.float32)
        got = splits.standardised(norm, arr)
        assert got.dtype == np.float32 and np.array_equal(got, want)
        monkeypatch.setattr(splits, "BLOCK_BYTES", 8 * arr.size // arr.shape[1] * 3)  # 3 steps
        assert splits._time_step(arr) == 3
        assert np.array_equal(splits.standardised(norm, arr), want)
        monkeypatch.undo()
