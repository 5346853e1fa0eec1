"""climpred reads dated forecasts as they are (issue 14 item 1): ``init`` / ``lead`` / ``member``
with CF lead units, and its CRPS agrees with :func:`idff_ts.evaluate`'s (the same inits)."""

from __future__ import annotations

from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import idff_ts
from tests.domains.calendar.calendar_kit import TINY, monthly_field

climpred = pytest.importorskip("climpred", reason="climpred is not installed (dev extra)")


@pytest.fixture(autouse=True)
def _offline_standard_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """climpred asks cf_xarray for the CF standard-name table, which it downloads; tests never
    download, and climpred skips that step on a parse error."""
    import cf_xarray.accessor

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise ElementTree.ParseError("offline in tests")

    monkeypatch.setattr(cf_xarray.accessor, "parse_cf_standard_name_table", refuse)


def _monthly_month_starts() -> xr.DataArray:
    """climpred shifts months only from month-start stamps (mid-month stamps raise "could not
    shift dim" inside climpred), so this one is stamped on the 1st."""
    da = monthly_field()
    return da.assign_coords(time=da["time"].values.astype("datetime64[M]").astype("datetime64[ns]"))


def _daily(n: int = 900) -> xr.DataArray:
    t = pd.date_range("2000-01-01", periods=n, freq="D")
    rng = np.random.default_rng(2)
    x = np.sin(2 * np.pi * t.dayofyear.values / 365.25) + 0.3 * rng.normal(size=n)
    return xr.DataArray(x, dims="time", coords={"time": t.values}, name="x")


def _climpred_crps(fc: xr.Dataset, obs: xr.DataArray) -> np.ndarray:
    hindcast = climpred.HindcastEnsemble(fc).add_observations(obs.to_dataset())
    skill = hindcast.verify(metric="crps", comparison="m2o", dim=["init", "member"],
                            alignment="same_inits")[obs.name]
    return skill.mean([d for d in skill.dims if d != "lead"]).values


@pytest.mark.parametrize("make, units", [(_monthly_month_starts, "months"), (_daily, "days")])
def test_climpred_reads_the_forecast_and_agrees_with_evaluate(make, units) -> None:
    da = make()
    model = idff_ts.fit(da.isel(time=slice(0, -12)), tune=False, progress=False, **TINY)
    fc = idff_ts.forecast(da, model, init="all", stride=5, members=8)
    assert fc["lead"].attrs["units"] == units
    crps = _climpred_crps(fc, da)
    ours = idff_ts.evaluate(fc, da)["crps_ecdf"].values
    assert crps.shape == ours.shape == (fc.sizes["lead"],)
    np.testing.assert_allclose(crps, ours, rtol=1e-5)
