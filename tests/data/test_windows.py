"""Windows of L + K states: content, order, series boundaries, lazy dataset, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from idff_ts.data.windows import WindowDataset, make_windows, window_starts
from idff_ts.errors import ConfigError, DataError


def _series(n_series: int = 3, length: int = 10, state: tuple[int, ...] = (2,)) -> np.ndarray:
    """Values encode (series, time, component): 1000·i + 10·t + c, so any slice is checkable."""
    size = int(np.prod(state))
    i, t, c = np.meshgrid(np.arange(n_series), np.arange(length), np.arange(size), indexing="ij")
    return (1000 * i + 10 * t + c).reshape(n_series, length, *state).astype(np.float64)


def test_starts_count_and_order() -> None:
    starts = window_starts([10, 10], context=2, horizon=3, stride=2)
    # per series: starts 0, 2, 4 (s + 5 <= 10)
    np.testing.assert_array_equal(starts, [[0, 0], [0, 2], [0, 4], [1, 0], [1, 2], [1, 4]])
    assert starts.dtype == np.int64
    assert len(window_starts([10], 1, 1)) == 9  # floor((T − L − K) / stride) + 1


def test_windows_equal_hand_indexed_slices() -> None:
    series = _series()
    w = make_windows(series, context=2, horizon=3, stride=1)
    starts = window_starts([10] * 3, 2, 3, 1)
    assert w.shape == (3 * 6, 5, 2) and w.dtype == series.dtype
    for j, (i, s) in enumerate(starts):
        np.testing.assert_array_equal(w[j], series[i, s : s + 5])
    np.testing.assert_array_equal(w[7], series[1, 1:6])  # second window of the second series


def test_windows_never_cross_series_boundaries() -> None:
    w = make_windows(_series(n_series=4, length=7), context=1, horizon=3, stride=1)
    series_of_each_state = w[..., 0] // 1000
    assert np.all(series_of_each_state == series_of_each_state[:, :1])
    steps = np.diff(w[..., 0], axis=1)
    assert np.all(steps == 10)  # consecutive time steps inside every window


def test_field_windows_and_ragged_lists() -> None:
    fields = _series(n_series=2, length=6, state=(1, 2, 3))
    w = make_windows(fields, context=1, horizon=2, stride=3)
    assert w.shape == (4, 3, 1, 2, 3)
    np.testing.assert_array_equal(w[3], fields[1, 3:6])
    ragged = [_series(1, 5)[0], _series(2, 8)[1]]
    w = make_windows(ragged, context=2, horizon=2)
    assert w.shape == (2 + 5, 4, 2)
    np.testing.assert_array_equal(w[1], ragged[0][1:5])
    np.testing.assert_array_equal(w[2], ragged[1][0:4])
    np.testing.assert_array_equal(w[-1], ragged[1][4:8])


def test_too_short_series_names_the_minimum_length() -> None:
    with pytest.raises(
        DataError, match=r"series 1 .*at least context \+ horizon = 3 \+ 4 = 7.*found 6"
    ):
        make_windows([np.zeros((9, 2)), np.zeros((6, 2))], context=3, horizon=4)
    with pytest.raises(DataError, match="= 7 time steps, found 5"):
        WindowDataset(np.zeros((2, 5, 3)), context=3, horizon=4)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="must be >= 1"):
        make_windows(_series(), context=0, horizon=1)
    with pytest.raises(DataError, match=r"\(n_series, T, \*state\)"):
        make_windows(np.zeros((10, 3)), context=1, horizon=1)
    with pytest.raises(DataError, match="one state shape"):
        make_windows([np.zeros((5, 2)), np.zeros((5, 3))], context=1, horizon=1)


def test_dataset_items_match_make_windows() -> None:
    series = _series(n_series=2, length=9, state=(1, 2, 2))
    ds = WindowDataset(series, context=2, horizon=3, stride=2)
    w = make_windows(series, context=2, horizon=3, stride=2)
    assert len(ds) == len(w) == 6 and ds.state_shape == (1, 2, 2)
    for j in range(len(ds)):
        item = ds[j]
        assert item["window"].dtype == torch.float32 and item["window"].shape == (5, 1, 2, 2)
        np.testing.assert_array_equal(item["window"].numpy(), w[j])
        np.testing.assert_array_equal(
            item["window"].numpy(), series[item["series"], item["start"] : item["start"] + 5]
        )
    assert ds[-1]["start"] == 4 and ds[-1]["series"] == 1
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_dataset_is_lazy_and_items_are_copies() -> None:
    series = np.zeros((2, 1000, 1, 8, 8), dtype=np.float32)
    ds = WindowDataset(series, context=1, horizon=7)
    assert ds.series[0].base is series  # stored as views, no per-window copies
    stored = sum(s.nbytes for s in ds.series)
    assert stored == series.nbytes  # not len(ds) · 8 states
    item = ds[0]["window"]
    item += 1.0
    assert series.max() == 0.0  # modifying an item never touches the data


def test_dataset_batches_with_a_dataloader() -> None:
    ds = WindowDataset(_series(n_series=2, length=10), context=1, horizon=2)
    batch = next(iter(DataLoader(ds, batch_size=4, shuffle=False)))
    assert batch["window"].shape == (4, 3, 2)
    np.testing.assert_array_equal(batch["start"].numpy(), [0, 1, 2, 3])
