"""Static masks and gaps (idff_ts.data.gaps), against brute-force oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from idff_ts.data.gaps import (
    check_context_gaps,
    contiguous_segments,
    gap_windows,
    static_mask,
    step_is_valid,
)
from idff_ts.errors import DataError


def test_points_missing_at_every_time_form_the_static_mask():
    x = np.random.default_rng(0).normal(size=(10, 3, 4))
    x[:, 0, 1] = np.nan  # land
    x[4, 2, 2] = np.nan  # a gap at one time
    mask = static_mask(x)
    assert mask.sum() == 11 and not mask[0, 1] and mask[2, 2]
    valid = step_is_valid(x, mask)
    np.testing.assert_array_equal(np.flatnonzero(~valid), [4])
    both = static_mask(np.stack([x, x]), time_axis=1)
    np.testing.assert_array_equal(both, mask)
    with pytest.raises(DataError, match="every value is missing"):
        static_mask(np.full((3, 2), np.nan))


@pytest.mark.parametrize("width", [1, 3, 5])
def test_gap_windows_match_brute_force(width):
    rng = np.random.default_rng(width)
    valid = rng.uniform(size=40) > 0.15
    starts, report = gap_windows(valid, width)
    brute = [s for s in range(40 - width + 1) if valid[s : s + width].all()]
    np.testing.assert_array_equal(starts, brute)
    assert report.total == 40 - width + 1 and report.kept == len(brute)
    assert report.skipped == report.total - len(brute)
    assert report.missing_steps == int((~valid).sum())
    assert f"{report.skipped} of {report.total} training windows skipped" in report.describe()


def test_contiguous_segments_hold_exactly_the_gap_free_windows():
    valid = np.array([1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1], dtype=bool)
    x = np.arange(12.0)[:, None]
    segs, starts = contiguous_segments(x, valid, 3)
    assert starts == [0, 8]
    np.testing.assert_array_equal(segs[1][:, 0], [8, 9, 10, 11])
    n_windows = sum(len(s) - 3 + 1 for s in segs)
    assert n_windows == gap_windows(valid, 3)[1].kept


def test_forecast_with_a_gap_in_its_context_names_the_dates():
    t = pd.date_range("2001-01-06", periods=10, freq="W-SAT").values
    valid = np.ones(10, dtype=bool)
    valid[4] = False
    check_context_gaps(valid, t, np.array([3, 9]), 3)  # windows 1..3 and 7..9: fine
    with pytest.raises(DataError, match="2001-02-03.*choose another init") as err:
        check_context_gaps(valid, t, np.array([5, 9]), 3, time_dim="date")
    assert "2001-02-10" in str(err.value) and "'date'" in str(err.value)
