""":class:`MDDomain`: molecular-dynamics angles as a variant of the generic series domain.

MD data are series of dihedrals in degrees (``dihedral([trajectory,] time, angle)`` with
``attrs["circular"]``). What differs from a generic series is only the value transform of
method.md §6 and the presentation, so :class:`MDDomain` overrides just these
(architecture.md §2.4):

- :meth:`~MDDomain.encode_values`: degrees → ``(sin θ, cos θ)`` features
  (:class:`~idff_ts.domains.md.angles.AngleEncoder`), for training and for context windows;
- :meth:`~MDDomain.decode`: sampled features → degrees in ``(−180, 180]`` with the angle names
  and ``units="degree"``, ``circular=1``
  (:func:`~idff_ts.domains.md.angles.degrees_forecast`);
- :meth:`~MDDomain.summary`: circular ensemble mean and spread per lead;
- :meth:`~MDDomain.tasks`: ``polyala`` and ``ala2``; :meth:`~MDDomain.cli_commands`:
  ``idff-ts data simulate polyala`` and ``idff-ts data dihedrals``.

A model belongs to this domain when its ``data_info`` has ``angle_encoding == "sincos"``
(checkpoints written before domains existed carry no ``"domain"`` key but have that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains.md.angles import (
    ENCODING,
    AngleEncoder,
    angle_model_info,
    check_model_angles,
    circular_mean,
    circular_std,
    degrees_forecast,
    is_angle_data,
)
from idff_ts.domains.series import SeriesDomain
from idff_ts.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.domains.base import ForecastRequest
    from idff_ts.forecasting.ensemble import Encoded, Ensemble
    from idff_ts.model import Forecaster
    from idff_ts.tasks import Task


def _circular_stats(da: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Circular ensemble mean (marked ``circular`` for :func:`_circular_average`) and spread."""
    mean = circular_mean(da, "member")
    mean.attrs["circular"] = 1
    return mean, circular_std(da, "member")


def _circular_average(da: xr.DataArray, dims: list[Any]) -> xr.DataArray:
    """Mean over ``dims``: circular for angles (``attrs["circular"]``), else plain."""
    return circular_mean(da, dims) if da.attrs.get("circular") else da.mean(dims)


class MDDomain(SeriesDomain):
    """Dihedral angles in degrees, modelled on their ``(sin, cos)`` features (module doc).

    Args:
        angle_dim: the dim that lists the angles (``"angle"`` for every MD loader and task).
    """

    name = "md"
    priority = 10

    def __init__(self, angle_dim: str = "angle") -> None:
        self.angle_dim = angle_dim
        self._tasks: tuple[Task, ...] | None = None

    # ------------------------------------------------------------------ recognising inputs
    def accepts_data(self, data: Any, var: str | None = None) -> bool:
        """A DataArray with ``angle_dim`` and ``attrs["circular"]`` (or a dict of splits whose
        ``train`` entry is one); :class:`~idff_ts.errors.DataError` for circular data in other
        units than degrees."""
        first = data.get("train") if isinstance(data, Mapping) else data
        return is_angle_data(first, self.angle_dim)

    def owns_model(self, data_info: Mapping[str, Any]) -> bool:
        return data_info.get("domain") == self.name or (
            data_info.get("domain") is None and data_info.get("angle_encoding") == ENCODING
        )

    # ------------------------------------------------------------------ physical <-> model
    def encode_values(self, data: xr.DataArray) -> xr.DataArray:
        """Degrees along ``angle_dim`` → ``(sin, cos)`` features along ``feature``."""
        return AngleEncoder(angle_dim=self.angle_dim).encode(data)

    def encode(self, data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
        """Check the input holds the model's angles in its order, then the generic windows of
        its features; the angle names and ``long_name`` ride along for :meth:`decode`."""
        from idff_ts.domains.series.checks import select_dataarray

        info = dict(model.data_info or {})
        da = select_dataarray(data, request.var, info)
        angle_dim, names = check_model_angles(da, info)
        if angle_dim != self.angle_dim:
            return MDDomain(angle_dim).encode(da, model, request)
        encoded = super().encode(da, model, request)
        encoded.meta.update(angle_names=names, angle_dim=angle_dim,
                            angle_long_name=str(da.attrs.get("long_name", "dihedral angle")))
        return encoded

    def decode(self, encoded: Encoded, ensemble: Ensemble, model: Forecaster) -> xr.Dataset:
        """The generic Dataset of sampled features, decoded to degrees with the angle names."""
        features = super().decode(encoded, ensemble, model)
        meta = encoded.meta
        return degrees_forecast(features, meta["angle_names"], meta["angle_dim"],
                                meta["angle_long_name"])

    # ------------------------------------------------------------------ training
    def fit(self, data: Any, **options: Any) -> Forecaster:
        """Train on the ``(sin, cos)`` features; ``data_info`` records the angle names, dim and
        units (:func:`~idff_ts.domains.md.angles.angle_model_info`) and ``domain="md"``."""
        if options.get("mask") is not None:
            raise ConfigError("mask= is not supported for angle data (sin/cos features)")
        options.pop("mask", None)
        first = data["train"] if isinstance(data, Mapping) and "train" in data else (
            next(iter(data.values())) if isinstance(data, Mapping) else data)
        info = {**dict(options.pop("data_info", None) or {}),
                **angle_model_info(first, self.angle_dim)}
        return super().fit(data, data_info=info, **options)

    # ------------------------------------------------------------------ presentation
    def summary(self, forecast: xr.Dataset, written: list[Path]) -> list[Any]:
        """The generic per-lead table with circular ensemble means and spreads (degrees)."""
        from idff_ts.domains.series.summary import series_summary

        return series_summary(forecast, written, _circular_stats, _circular_average)

    # ------------------------------------------------------------------ registration
    def tasks(self) -> Iterable[Task]:
        """``polyala`` (profile ``"default"``) and ``ala2``; nothing is simulated or read
        until a task's splits are requested. The same objects on every call."""
        if self._tasks is None:
            from idff_ts.domains.md.tasks import ala2_task, polyala_task

            self._tasks = (polyala_task("default"), ala2_task())
        return self._tasks

    def cli_commands(self) -> Iterable[Any]:
        """A typer app with the group ``simulate`` (``polyala``) and the command
        ``dihedrals`` (:mod:`idff_ts.domains.md.cli`)."""
        from idff_ts.domains.md.cli import md_data_app

        return (md_data_app,)


__all__ = ["MDDomain"]
