"""Cadence inference, calendar stepping, valid times and CF lead units (idff_ts.data.calendar)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from idff_ts.data.calendar import LEAD_UNITS, infer_cadence, phase_of_year, valid_times
from idff_ts.errors import DataError

# climpred.constants.VALID_LEAD_UNITS (climpred 2.x), copied as the oracle
CLIMPRED_UNITS = {"years", "seasons", "months", "weeks", "pentads", "days", "hours", "minutes",
                  "seconds"}


def _mid_months(start: str, n: int) -> pd.DatetimeIndex:
    first = pd.date_range(start, periods=n + 1, freq="MS")
    return first[:-1] + (first[1:] - first[:-1]) / 2


@pytest.mark.parametrize(
    ("times", "kind", "anchor"),
    [
        (pd.date_range("2000-01-01", periods=40, freq="D"), "daily", ""),
        (pd.date_range("1958-03-29", periods=40, freq="W-SAT"), "weekly", ""),
        (pd.date_range("1995-01-01", periods=40, freq="MS"), "monthly", "start"),
        (pd.date_range("1995-01-31", periods=40, freq="ME"), "monthly", "end"),
        (pd.date_range("1995-01-15", periods=40, freq="MS") + pd.Timedelta(days=14), "monthly",
         "start"),
        (_mid_months("2007-01-01", 40), "monthly", "mid"),
        (pd.date_range("1850-01-01", periods=40, freq="YS"), "yearly", "start"),
        (pd.date_range("1850-07-01", periods=40, freq="12MS"), "yearly", "day"),
        (pd.date_range("2000-01-01", periods=40, freq="6h"), "fixed", ""),
    ],
)
def test_each_cadence_is_inferred_and_steps_onto_the_data(times, kind, anchor):
    cad = infer_cadence(times.values)
    assert (cad.kind, cad.anchor) == (kind, anchor)
    # one step from every stamp is exactly the next stamp of the data
    np.testing.assert_array_equal(cad.shift(times.values[:-1], 1), times.values[1:])
    np.testing.assert_array_equal(cad.shift(times.values[:-5], 5), times.values[5:])
    units = cad.lead_attrs()["units"]
    assert units in CLIMPRED_UNITS
    assert cad.lead_attrs()["standard_name"] == "forecast_period"


def test_monthly_mid_month_forecasts_land_on_the_months():
    """The issue's gridded product: stamps at mid-month; valid times after the data must be
    the next months' midpoints, not init + k x 30.5 days."""
    t = _mid_months("2007-01-01", 33)  # ... 2009-09-15T12:00
    cad = infer_cadence(t.values)
    vt = valid_times(t.values, np.array([t.size - 1]), 3, cad)[0]
    expected = _mid_months("2009-10-01", 3)
    np.testing.assert_array_equal(vt, expected.values)
    assert pd.Timestamp(vt[0]) == pd.Timestamp("2009-10-16T12:00")


def test_valid_times_use_data_stamps_inside_and_calendar_after():
    t = pd.date_range("2000-01-31", periods=10, freq="ME")
    cad = infer_cadence(t.values)
    vt = valid_times(t.values, np.array([5, 9]), 3, cad)
    np.testing.assert_array_equal(vt[0], t.values[6:9])
    np.testing.assert_array_equal(vt[1], pd.to_datetime(["2000-11-30", "2000-12-31",
                                                         "2001-01-31"]).values)


def test_lead_units_for_calendar_cadences():
    assert LEAD_UNITS == {"daily": "days", "weekly": "weeks", "monthly": "months",
                          "yearly": "years"}
    cad = infer_cadence(pd.date_range("2000-01-01", periods=5, freq="6h").values)
    assert cad.lead_attrs()["units"] == "hours" and cad.lead_attrs()["step_size"] == 6
    np.testing.assert_array_equal(cad.lead_values(3), [6, 12, 18])


def test_numeric_axis_gets_integer_leads_with_a_valid_unit():
    cad = infer_cadence(np.arange(0.0, 5.0, 0.05), units="")
    assert cad.kind == "step" and cad.step == pytest.approx(0.05)
    attrs = cad.lead_attrs()
    assert attrs["units"] == "1" and attrs["step_size"] == pytest.approx(0.05)
    assert "model time units" not in str(attrs)
    np.testing.assert_array_equal(cad.lead_values(4), [1, 2, 3, 4])
    np.testing.assert_allclose(cad.shift(np.array([1.0]), 2), [1.1])
    assert cad.init_attrs()["units"] == "1"


@pytest.mark.parametrize(
    "times",
    [
        pd.to_datetime(["2000-01-01", "2000-01-03", "2000-01-04", "2000-01-08"]).values,
        pd.to_datetime(["2000-01-31", "2000-03-31", "2000-04-30"]).values,
    ],
)
def test_irregular_axis_error_mentions_time_dim(times):
    with pytest.raises(DataError, match="time_dim="):
        infer_cadence(times, time_dim="date")


def test_irregular_numeric_and_unsorted_axes_are_refused():
    with pytest.raises(DataError, match="irregular.*time_dim="):
        infer_cadence(np.array([0.0, 1.0, 3.0]))
    with pytest.raises(DataError, match="strictly increasing.*time_dim="):
        infer_cadence(pd.to_datetime(["2000-01-02", "2000-01-01"]).values)
    with pytest.raises(DataError, match="time_dim="):
        infer_cadence(np.array(["a", "b"]))


def test_phase_of_year_against_day_counts():
    t = pd.to_datetime(["2001-01-01", "2001-07-02", "2004-12-31", "2004-03-01"])
    expected = [0.0, 182 / 365, 365 / 366, 60 / 366]
    np.testing.assert_allclose(phase_of_year(t.values), expected)
