"""The generic domain: any labelled series a user brings (``series``).

Anything with a ``time`` dim (a scalar series, a vector per step, a field, side-by-side series
along ``trajectory``) is forecast in its own physical units: the :class:`~idff_ts.model.
Forecaster` standardises internally (:class:`GenericSeriesDomain`). Other domains that are
"series plus a transform" subclass :class:`SeriesDomain` and override :meth:`accepts_data` and
:meth:`~SeriesDomain.encode_values` / :meth:`~SeriesDomain.decode_values` (physical values ↔
model values).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains.base import Domain, ForecastInput, ForecastRequest, TrainOutcome, TrainRequest

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.forecasting.ensemble import Encoded, Ensemble
    from idff_ts.model import Forecaster
    from idff_ts.tasks import Task


class SeriesDomain(Domain):
    """Labelled series in physical units: the machinery every "series plus a transform"
    domain shares. It claims nothing by itself: a subclass says which data it accepts
    (:meth:`accepts_data`); its models carry ``data_info["domain"]`` (:meth:`model_info`) and
    its tasks are those of :meth:`tasks`. :class:`GenericSeriesDomain` is the registered
    fallback that accepts everything."""

    name = "series"
    priority = 0

    # ------------------------------------------------------------------ value transforms
    def encode_values(self, data: xr.DataArray) -> xr.DataArray:
        """Physical values → the values the model is trained on (identity here)."""
        return data

    def decode_values(self, forecast: xr.Dataset, model: Forecaster) -> xr.Dataset:
        """The decoded forecast in model values → physical values (identity here)."""
        return forecast

    def model_info(self) -> dict[str, Any]:
        """Entries added to the ``data_info`` of a model this domain trains (its name, so that
        :meth:`owns_model` finds it; none for the generic domain, whose models have none)."""
        return {"domain": self.name}

    # ------------------------------------------------------------------ forecast
    def encode(self, data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
        from idff_ts.domains.series.checks import select_dataarray
        from idff_ts.domains.series.encode import encode_series, refuse_options

        refuse_options(dict(request.options), self.name)
        da = select_dataarray(data, request.var, dict(model.data_info or {}))
        return encode_series(self.encode_values(da), model, request)

    def decode(self, encoded: Encoded, ensemble: Ensemble, model: Forecaster) -> xr.Dataset:
        from idff_ts.domains.series.decode import decode_series

        return self.decode_values(decode_series(encoded, ensemble, model), model)

    # ------------------------------------------------------------------ training
    def fit(self, data: Any, **options: Any) -> Forecaster:
        """:func:`idff_ts.training.fit.fit` on :meth:`encode_values` of every split."""
        from idff_ts.training.fit import fit

        if isinstance(data, Mapping):
            data = {k: None if v is None else self.encode_values(v) for k, v in data.items()}
        else:
            data = self.encode_values(data)
        if options.get("val") is not None:
            options["val"] = self.encode_values(options["val"])
        info = {**dict(options.pop("data_info", None) or {}), **self.model_info()}
        return fit(data, data_info=info, **options)

    def train_from_cli(self, request: TrainRequest) -> TrainOutcome:
        from idff_ts.domains.series.cli import train_series

        return train_series(self, request)

    def forecast_input(
        self, model: Forecaster, data: str | None, var: str | None, task: Task | None
    ) -> ForecastInput:
        from idff_ts.domains.series.cli import series_input

        return series_input(model, data, var, task)

    def forecast_inits(
        self, source: ForecastInput, model: Forecaster, inits: list[str],
        stride: int | None, horizon: int | None, days: float | None,
    ) -> Any:
        from idff_ts.domains.series.cli import series_inits

        return series_inits(source, model, inits, stride, horizon, days)

    def summary(self, forecast: xr.Dataset, written: list[Path]) -> list[Any]:
        from idff_ts.domains.series.summary import series_summary

        return series_summary(forecast, written)


class GenericSeriesDomain(SeriesDomain):
    """``series``: any labelled series; the fallback for every input, model and task (lowest
    priority). Its models carry no domain key (as before domains existed)."""

    name = "series"
    priority = -100

    def accepts_data(self, data: Any, var: str | None = None) -> bool:
        return True

    def owns_model(self, data_info: Mapping[str, Any]) -> bool:
        return data_info.get("domain") in (None, self.name)

    def owns_task(self, task: Task) -> bool:
        return True

    def model_info(self) -> dict[str, Any]:
        return {}


__all__ = ["GenericSeriesDomain", "SeriesDomain"]
