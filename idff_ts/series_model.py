"""``fit_series`` / ``SeriesModel``: the earlier names of the public calendar-series path.

Thin wrappers, kept for code written against them: :func:`fit_series` is :func:`idff_ts.fit`
on a dated series (the ``calendar-series`` domain, :mod:`idff_ts.domains.calendar`: cadence,
seasons, trend, gaps, land and pandas handled, knobs chosen on validation) and
:meth:`SeriesModel.forecast` is :func:`idff_ts.forecast` with its model. New code calls those
two directly; the model (``SeriesModel.model``) is an ordinary
:class:`~idff_ts.model.Forecaster` that :func:`idff_ts.save_model` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import xarray as xr

from idff_ts.model import Forecaster
from idff_ts.training.autotune import DEFAULT_BUDGET_S


@dataclass
class SeriesModel:
    """A calendar-series :class:`~idff_ts.model.Forecaster` (``model``)."""

    model: Forecaster

    @property
    def data_info(self) -> dict[str, Any]:
        return self.model.data_info

    def forecast(
        self, data: Any, *, init: Any = None, stride: int | None = None, members: int = 20,
        seed: int = 0,
    ) -> xr.Dataset:
        """:func:`idff_ts.forecast` of ``data`` with this model (``init="all"`` and
        ``stride`` as there)."""
        from idff_ts.forecast import forecast

        return forecast(data, self.model, init=init, stride=stride, members=members, seed=seed)


def fit_series(
    data: Any, *, horizon: int | None = None, time_dim: str | None = None,
    context: int | None = None, trend: str | None = None, seasonal: bool | None = None,
    sigma: float | None = None, budget_s: float = DEFAULT_BUDGET_S, seed: int = 0,
    echo: Callable[[str], None] | None = print,
) -> SeriesModel:
    """:func:`idff_ts.fit` of a dated series; knobs left ``None`` are chosen on validation
    within ``budget_s`` seconds; ``echo=None`` prints nothing."""
    from idff_ts.fitting import fit

    model = fit(data, horizon=horizon, time_dim=time_dim or "time", context=context,
                trend=trend, seasonal=seasonal, tune_budget_s=budget_s,
                model=None if sigma is None else {"sigma": float(sigma)},
                train={"seed": int(seed)}, progress=echo is not None)
    return SeriesModel(model)


__all__ = ["SeriesModel", "fit_series"]
