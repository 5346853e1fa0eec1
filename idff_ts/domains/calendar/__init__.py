"""The calendar-series domain (``calendar-series``): your own dated series, forecast well.

Accepts one series whose time axis is daily, weekly, calendar-monthly or calendar-yearly
(:mod:`idff_ts.domains.calendar.inputs` says exactly what): a pandas Series / DataFrame with a
``DatetimeIndex``, a DataArray (scalar, vector or a field with land as NaN), a Dataset of
several variables (one multivariate model; names come back). :func:`idff_ts.fit` chooses the
context, trend, seasonal handling, phase input and σ on validation
(:mod:`~idff_ts.domains.calendar.train`); :func:`idff_ts.forecast` writes valid times on the
data's calendar, CF lead units, masked points as NaN, and refuses a context with a gap
(:mod:`~idff_ts.domains.calendar.forecast`). Everything else — sampling, checkpoints,
``evaluate``, the CLI — is the generic code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from idff_ts.domains.base import CliOption, ForecastInput, ForecastRequest
from idff_ts.domains.calendar.labels import DOMAIN_NAME
from idff_ts.domains.series import SeriesDomain

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.forecasting.ensemble import Encoded, Ensemble
    from idff_ts.model import Forecaster

FIT_OPTIONS = ("tune", "tune_budget_s", "trend", "seasonal", "phase")


class CalendarSeriesDomain(SeriesDomain):
    """Dated series with a calendar cadence (module docstring)."""

    name = DOMAIN_NAME
    priority = -50  # above the generic fallback, below every other kind of data

    def accepts_data(self, data: Any, var: str | None = None) -> bool:
        from idff_ts.domains.calendar.inputs import is_calendar_series

        return is_calendar_series(data)

    def owns_model(self, data_info: Mapping[str, Any]) -> bool:
        return data_info.get("domain") == self.name

    def owns_task(self, task: Any) -> bool:
        return False

    # ------------------------------------------------------------------ training
    def fit_defaults(self) -> dict[str, Any]:
        return {}  # context chosen on validation, horizon from the cadence

    def fit_options(self) -> tuple[str, ...]:
        return FIT_OPTIONS

    def fit(self, data: Any, **options: Any) -> Forecaster:
        """:func:`~idff_ts.domains.calendar.train.fit_calendar`; with a ``series_dim``, a
        method other than IDFF or ``resume_from``, see :meth:`_generic_fit`."""
        from idff_ts.errors import ConfigError

        if options.get("series_dim") is not None or options.get("method", "idff") != "idff":
            return self._generic_fit(data, options)
        if options.get("resume_from") is not None:
            raise ConfigError(f"cannot resume from {options['resume_from']}: calendar-series "
                              "models are trained anew (autotuned); drop resume_from / --resume")
        if options.get("callbacks"):
            raise ConfigError("callbacks= does not apply to calendar-series models")
        from idff_ts.domains.calendar.train import fit_calendar

        for key in ("series_dim", "method", "resume_from", "callbacks", "data_info"):
            options.pop(key, None)
        return fit_calendar(data, **options)

    def _generic_fit(self, data: Any, options: dict[str, Any]) -> Forecaster:
        """Independent series side by side, or a reference method: the generic series fit
        (context / horizon default 1 / 7; the calendar options do not apply)."""
        from idff_ts.domains.registry import get_domain
        from idff_ts.errors import ConfigError

        given = sorted(k for k in FIT_OPTIONS if options.pop(k, None) is not None)
        if given:
            raise ConfigError(f"{', '.join(f'{k}=' for k in given)} does not apply with a "
                              "series_dim or a method other than 'idff'")
        generic = get_domain("series")
        for key, value in generic.fit_defaults().items():
            options[key] = value if options.get(key) is None else options[key]
        return generic.fit(data, **options)

    def fit_notes(self, model: Forecaster) -> list[str]:
        info = model.data_info
        tune = info.get("autotune") or {}
        return [f"chosen: {info.get('candidate')} ({info.get('cadence')}; "
                f"{tune.get('train_gaps', '')}): {tune.get('reason', '')}"]

    def train_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``--tune-budget S`` → ``tune_budget_s`` (0: no search), ``--trend``, ``--seasonal``."""
        out: dict[str, Any] = {}
        if options.get("tune_budget") is not None:
            out["tune_budget_s"] = float(options["tune_budget"])
        if options.get("trend") is not None:
            out["trend"] = str(options["trend"])
        season = options.get("seasonal")
        if season is not None:
            if str(season).lower() not in ("on", "off"):
                from idff_ts.errors import UsageError

                raise UsageError(f"--seasonal takes on or off, got {season!r}")
            out["seasonal"] = str(season).lower() == "on"
        rest = {k: v for k, v in options.items() if k not in ("tune_budget", "trend", "seasonal")}
        super().train_options(rest)
        return out

    def cli_options(self, command: str) -> Iterable[CliOption]:
        if command != "train":
            return ()
        return (
            CliOption("--tune-budget", "Dated series (--data): seconds for choosing context, "
                      "trend, season and sigma on validation (0: no search).", float),
            CliOption("--trend", "Dated series (--data): fix the trend handling: none, diff "
                      "or linear.", str),
            CliOption("--seasonal", "Dated series (--data): fix the seasonal climatology: on "
                      "or off.", str),
        )

    # ------------------------------------------------------------------ forecast
    def encode(self, data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
        from idff_ts.domains.calendar.forecast import encode_calendar

        return encode_calendar(data, model, request)

    def decode(self, encoded: Encoded, ensemble: Ensemble, model: Forecaster) -> xr.Dataset:
        from idff_ts.domains.calendar.forecast import decode_calendar

        return decode_calendar(encoded, ensemble, model)

    def forecast_input(
        self, model: Forecaster, data: str | None, var: str | None, task: Any
    ) -> ForecastInput:
        """``--data``: the model's variables when it was fit on several (names round-trip),
        else the series domain's input (one variable)."""
        names = model.data_info.get("variables")
        if names and data is not None and var is None and task is None:
            from idff_ts.io import open_user_dataset

            return ForecastInput(open_user_dataset(data), str(data),
                                 time_dim=str(model.data_info.get("time_dim", "time")))
        return super().forecast_input(model, data, var, task)

    def forecast_inits(
        self, source: ForecastInput, model: Forecaster, inits: list[str],
        stride: int | None, horizon: int | None, days: float | None,
    ) -> Any:
        """``all`` / ``all-context`` (:func:`~idff_ts.domains.calendar.forecast.
        calendar_inits`), ``last`` / none: the last time, else the times given."""
        from idff_ts.domains.calendar.forecast import calendar_inits

        if inits in (["all"], ["all-context"]):
            return calendar_inits(source.data, model, inits[0], stride, horizon, days,
                                  source.time_dim)
        return None if not inits or inits == ["last"] else inits


__all__ = ["CalendarSeriesDomain"]
