"""Physical <-> anomaly encoding (idff_ts.data.encoding): exact round trips and masks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from idff_ts.data.calendar import infer_cadence
from idff_ts.data.encoding import SeriesEncoding


@pytest.mark.parametrize("trend", ["none", "diff", "linear"])
def test_decode_inverts_encode_at_the_true_future(trend):
    rng = np.random.default_rng(0)
    t = pd.date_range("1990-01-01", periods=240, freq="MS").values
    i = np.arange(240)
    x = np.stack([10 + 0.05 * i + 2 * np.sin(2 * np.pi * i / 12) + rng.normal(size=240),
                  np.full(240, np.nan)], axis=1)  # second point: "land"
    enc = SeriesEncoding.fit(x[:180], t[:180], infer_cadence(t), trend=trend)
    assert list(enc.mask) == [True, False]
    z = enc.encode(x, t, i)
    assert np.all(z[:, 1] == 0.0)
    inits = np.array([190, 200])
    k = np.arange(1, 5)
    vidx = inits[:, None] + k
    zf = np.repeat(z[vidx][:, :, None, :], 3, axis=2)  # a "perfect" 3-member forecast
    back = enc.decode(zf, t[vidx], vidx, x[inits])
    np.testing.assert_allclose(back[..., 0], np.repeat(x[vidx, 0][:, :, None], 3, axis=2),
                               atol=1e-9)
    assert np.isnan(back[..., 1]).all()
    again = SeriesEncoding.from_dict(enc.to_dict())
    np.testing.assert_array_equal(again.encode(x, t, i), z)


def test_numeric_axis_uses_plain_standardisation():
    x = np.random.default_rng(1).normal(5.0, 2.0, size=(100, 1))
    t = np.arange(100.0)
    enc = SeriesEncoding.fit(x[:80], t[:80], infer_cadence(t))
    z = enc.encode(x[:80], t[:80], np.arange(80))
    np.testing.assert_allclose(z.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(), 1.0)
    assert "plain standardisation" in enc.describe()
