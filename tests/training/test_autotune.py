"""Validation autotune and gap-aware training on anomalies (issue 14 items 4 and 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from idff_ts.data.calendar import infer_cadence
from idff_ts.errors import DataError
from idff_ts.training import autotune as at
from idff_ts.training import series_fit as sf


def test_spread_inflation_restores_unit_spread_skill():
    """An ensemble drawn with half the true spread needs a factor of ~2 at every lead."""
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(4000, 3, 1))
    ens = 0.5 * rng.normal(size=(4000, 3, 50, 1))  # centred on 0, spread 0.5; error sd 1
    f = at.spread_inflation(ens, truth)
    m = 50
    expected = np.sqrt((1.0 + 0.25 / m) / (0.25 * (m + 1) / m))
    np.testing.assert_allclose(f, expected, rtol=0.05)
    tiny = 1e-3 * rng.normal(size=(5, 2, 4, 1))
    np.testing.assert_array_equal(at.spread_inflation(tiny, np.ones((5, 2, 1))), 5.0)


def test_phase_channels_are_the_phase_of_year():
    t = pd.to_datetime(["2001-01-01", "2001-07-02"]).values
    z = np.zeros((2, 1))
    assert at.with_phase(z, t, False) is z
    out = at.with_phase(z, t, True)
    np.testing.assert_allclose(out[:, 1:], [[0.0, 1.0], [np.sin(2 * np.pi * 182 / 365),
                                                       np.cos(2 * np.pi * 182 / 365)]])


def test_default_train_config_gives_small_series_enough_steps():
    cfg, repeats = sf.default_train_config(100)
    steps = cfg.max_epochs * repeats * int(np.ceil(100 / cfg.batch_size))
    assert cfg.batch_size == 16 and steps >= sf.TARGET_STEPS
    big, rep = sf.default_train_config(100_000)
    assert big.batch_size == sf.MAX_BATCH and rep == 1 and big.max_epochs >= 5


def test_search_knobs_per_cadence():
    monthly = infer_cadence(pd.date_range("2000-01-01", periods=30, freq="MS").values)
    yearly = infer_cadence(pd.date_range("1900-01-01", periods=30, freq="YS").values)
    assert [k for k, _ in at.search_knobs(monthly)] == ["trend", "seasonal", "phase", "context",
                                                        "sigma"]
    assert [k for k, _ in at.search_knobs(yearly)] == ["trend", "context", "sigma"]


@pytest.fixture
def tiny_steps(monkeypatch):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny MLP: more threads only contend on a shared machine
    monkeypatch.setattr(sf, "TARGET_STEPS", 20)
    monkeypatch.setattr(sf, "MAX_EPOCHS", 2)
    monkeypatch.setattr(at, "MAX_VAL_ORIGINS", 8)
    yield
    torch.set_num_threads(threads)


def test_autotune_with_gaps_records_choice_and_forecasts_on_dates(tiny_steps, capsys):
    rng = np.random.default_rng(1)
    t = pd.date_range("1990-01-06", periods=300, freq="W-SAT").values
    x = 3 * np.sin(2 * np.pi * np.arange(300) / 52.18) + rng.normal(size=300) * 0.3
    x[[20, 21, 90]] = np.nan
    tuned = at.autotune(x, t, infer_cadence(t), 200, 60, 3, budget_s=0.0,
                        fixed={"context": 2, "phase": True})
    out = capsys.readouterr().out
    assert "autotune chose" in out and "budget exhausted" in tuned.reason
    assert len(tuned.trials) == 1 and tuned.candidate.context == 2 and tuned.candidate.phase
    assert tuned.fit.forecaster.cfg.state_shape == (3,)  # the series and two phase channels
    assert tuned.fit.train_gaps.skipped == 6 + 5  # windows of 5 touching steps 20-21 and 90
    ens = tuned.forecast(x, t, np.array([270, 280]), members=4, seed=0)
    assert ens.shape == (2, 3, 4, 1) and np.isfinite(ens).all()
    with pytest.raises(DataError, match="1991-09-28"):  # step 90 in the context of init 91
        tuned.forecast(x, t, np.array([91]), members=2)
