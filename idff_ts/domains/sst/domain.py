"""The SST domain plug-in: :class:`SSTDomain` (a :class:`~idff_ts.domains.base.Domain`).

It recognises OISST-like inputs (either NOAA file layout, normalised tiles, a prepared tile
store) and the SST tile models trained by :func:`~idff_ts.domains.sst.train.fit_sst`
(``data_info["sst"]["kind"] == "oisst_tiles"``, also in checkpoints written before domains had
names, such as the bundled demo), and delegates to the modules of this folder: ``encode`` /
``decode`` around the generic ensemble step, ``train`` for fitting, ``quicklook`` for the
figure, ``cli`` for the ``idff-ts train / forecast / data`` hooks and ``tasks`` for the
``sst-demo``, ``sst-etp`` and ``sst-wa4`` tasks. Nothing heavy is imported until it is used.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains.base import (
    CliOption,
    Domain,
    ForecastInput,
    ForecastRequest,
    TrainOutcome,
    TrainRequest,
)
from idff_ts.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.forecasting.ensemble import Encoded, Ensemble
    from idff_ts.model import Forecaster
    from idff_ts.tasks import Task

log = logging.getLogger(__name__)

#: Options of :func:`idff_ts.fit` that the SST protocol sets itself, with their defaults.
PROTOCOL_FIXED: dict[str, Any] = {
    "val": None, "context": 1, "horizon": 7, "time_dim": "time", "series_dim": None,
    "mask": None, "callbacks": None, "method": "idff",
}


def _is_default(name: str, value: Any) -> bool:
    default = PROTOCOL_FIXED[name]
    return value is None if default is None else type(value) is type(default) and value == default


def _is_tile_array(data: Any) -> bool:
    import xarray as xr

    if isinstance(data, Mapping):
        data = data.get("train")
    return isinstance(data, xr.DataArray) and set(map(str, data.dims)) == {"time", "box", "y", "x"}


class SSTDomain(Domain):
    """Sea-surface temperature on DYffusion OISST tiles (data.md §2)."""

    name = "sst"
    priority = 10

    # ------------------------------------------------------------------ recognising inputs
    def accepts_data(self, data: Any, var: str | None = None) -> bool:
        from idff_ts.domains.sst.tiles import looks_like_oisst

        return looks_like_oisst(data, var)

    def owns_model(self, data_info: Mapping[str, Any]) -> bool:
        from idff_ts.domains.sst.train import SST_KIND

        sst = data_info.get("sst")
        return data_info.get("domain") == self.name or (
            isinstance(sst, Mapping) and sst.get("kind") == SST_KIND
        )

    def owns_task(self, task: Task) -> bool:
        from idff_ts.domains.sst.tasks import SSTTileTask

        return isinstance(task, SSTTileTask)

    def default_model(self, data: Any, var: str | None = None) -> Path | None:
        """The bundled demo checkpoint (synthetic demo data) for no input or OISST input."""
        from idff_ts.domains.sst.demo import DEMO_WARNING, demo_checkpoint
        from idff_ts.domains.sst.tiles import is_oisst_source, looks_like_oisst

        if isinstance(data, str | os.PathLike):
            ours = is_oisst_source(data)
        else:
            ours = data is None or looks_like_oisst(data, var)
        if not ours:
            return None
        log.warning(DEMO_WARNING)
        return demo_checkpoint()

    def default_model_inputs(self) -> str | None:
        return "OISST 'sst'"

    # ------------------------------------------------------------------ physical <-> model
    def encode(self, data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
        from idff_ts.domains.sst.encode import encode_request

        return encode_request(data, model, request)

    def decode(self, encoded: Encoded, ensemble: Ensemble, model: Forecaster) -> xr.Dataset:
        from idff_ts.domains.sst.decode import decode_forecast

        meta = encoded.meta
        from idff_ts.domains.sst.precision import quantise_on_write

        out = decode_forecast(meta["tiles"], ensemble, model, meta["sel"], meta["info"])
        return quantise_on_write(out, meta.get("digits"))

    # ------------------------------------------------------------------ training
    def fit(self, data: Any, **options: Any) -> Forecaster:
        """:func:`~idff_ts.domains.sst.train.fit_sst` (its keyword options).

        The options of :func:`idff_ts.fit` that the DYffusion protocol fixes itself (``val``,
        ``context``, ``horizon``, ``series_dim``, ``mask``, ...) are accepted at their defaults.
        Tiles ``(time, box, y, x)`` given with such options set are trained as a series of
        boxes in the values given (:func:`idff_ts.training.fit.fit`); for other SST data a
        set option is refused with a one-line error.
        """
        from idff_ts.domains.sst.train import fit_sst

        generic = {k: options.pop(k) for k in list(options) if k in PROTOCOL_FIXED}
        changed = sorted(k for k, v in generic.items() if not _is_default(k, v))
        if not changed:
            return fit_sst(data, **options)
        if _is_tile_array(data):
            from idff_ts.training.fit import fit

            return fit(data, **options, **generic)
        raise ConfigError(
            "SST data takes its splits, context and horizon from the DYffusion protocol: "
            f"expected {', '.join(changed)} left at the default, found "
            f"{', '.join(f'{k}={generic[k]!r}'[:60] for k in changed)} (to train tiles as a "
            "series of boxes, pass a (time, box, y, x) DataArray)"
        )

    def train_from_cli(self, request: TrainRequest) -> TrainOutcome:
        from idff_ts.domains.sst.cli.train import train_sst_task

        return train_sst_task(request)

    # ------------------------------------------------------------------ CLI forecast
    def forecast_input(
        self, model: Forecaster, data: str | None, var: str | None, task: Task | None
    ) -> ForecastInput:
        from idff_ts.domains.sst.cli.forecast import sst_forecast_input

        return sst_forecast_input(model, data, var, task)

    def forecast_inits(
        self, source: ForecastInput, model: Forecaster, inits: list[str],
        stride: int | None, horizon: int | None, days: float | None,
    ) -> Any:
        from idff_ts.domains.sst.cli.forecast import sst_forecast_inits

        return sst_forecast_inits(source, model, inits, stride, horizon, days)

    def forecast_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``--box 84,85`` → ``boxes=(84, 85)``, ``--precision``; other domain flags refused."""
        from idff_ts.domains.sst.cli.train import parse_box_option

        rest = {k: v for k, v in options.items() if k not in ("box", "precision")}
        super().forecast_options(rest)
        boxes = parse_box_option(options.get("box"))
        out: dict[str, Any] = {} if boxes is None else {"boxes": boxes}
        if options.get("precision") is not None:
            out["precision"] = options["precision"]
        return out

    # ------------------------------------------------------------------ presentation
    def summary(self, forecast: xr.Dataset, written: list[Path]) -> list[Any]:
        from idff_ts.domains.sst.cli.forecast import sst_summary

        return sst_summary(forecast, written)

    def quicklook(self, forecast: xr.Dataset, path: Path) -> Path | None:
        from idff_ts.domains.sst.quicklook import quicklook_png

        return quicklook_png(forecast, path)

    # ------------------------------------------------------------------ registration
    def tasks(self) -> Iterable[Task]:
        from idff_ts.domains.sst.tasks import sst_tasks

        return sst_tasks()

    def task_aliases(self) -> Mapping[str, str]:
        from idff_ts.domains.sst.tasks import ALIASES

        return dict(ALIASES)

    def cli_commands(self) -> Iterable[Any]:
        from idff_ts.domains.sst.cli.data import sst_data_app

        return (sst_data_app,)

    def cli_options(self, command: str) -> Iterable[CliOption]:
        """``--box`` (train, forecast), ``--train-period`` / ``--val-period`` (train)."""
        from idff_ts.domains.sst.cli.flags import sst_cli_options

        return sst_cli_options(command)

    def cli_notes(self, command: str) -> Iterable[str]:
        from idff_ts.domains.sst.cli.flags import sst_cli_notes

        return sst_cli_notes(command)


__all__ = ["SSTDomain"]
