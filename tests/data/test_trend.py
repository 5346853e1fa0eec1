"""Trend handling (idff_ts.data.trend)."""

from __future__ import annotations

import numpy as np
import pytest

from idff_ts.data.trend import Trend
from idff_ts.errors import ConfigError


def test_linear_trend_is_recovered_and_extrapolated():
    i = np.arange(50.0)
    x = np.stack([3.0 + 0.5 * i, -1.0 - 0.1 * i], axis=1)
    x[7, 0] = np.nan
    tr = Trend.fit(x, "linear")
    np.testing.assert_allclose(tr.intercept, [3.0, -1.0])
    np.testing.assert_allclose(tr.slope, [0.5, -0.1])
    resid = np.zeros((2, 3, 4, 2))  # (I, K, M, P)
    index = np.array([[50, 51, 52], [60, 61, 62]])
    out = tr.restore(resid, np.zeros((2, 2)), index)
    np.testing.assert_allclose(out[1, 2, 0], [3.0 + 0.5 * 62, -1.0 - 0.1 * 62])


def test_differences_accumulate_member_by_member():
    tr = Trend.fit(np.zeros(5), "diff")
    d = tr.remove(np.array([1.0, 3.0, 6.0]), np.arange(3))
    np.testing.assert_array_equal(d[:, 0], [np.nan, 2.0, 3.0])
    incr = np.array([1.0, 2.0, 3.0])[None, :, None, None] * np.array([1.0, -1.0])[None, None, :,
                                                                                    None]
    out = tr.restore(incr, np.array([[10.0]]), np.zeros((1, 3)))
    np.testing.assert_array_equal(out[0, :, 0, 0], [11.0, 13.0, 16.0])
    np.testing.assert_array_equal(out[0, :, 1, 0], [9.0, 7.0, 4.0])


def test_none_is_identity_and_bad_kind():
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(Trend.fit(x).remove(x, np.arange(3)), x)
    with pytest.raises(ConfigError, match="trend must be one of"):
        Trend.fit(x, "quadratic")
    tr = Trend.fit(x, "linear")
    again = Trend.from_dict(tr.to_dict())
    np.testing.assert_array_equal(again.slope, tr.slope)
