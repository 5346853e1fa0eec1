"""The domain interface: one small class every kind of data implements in one folder.

A *domain* (``idff_ts/domains/<name>/``) owns everything specific to one kind of data: how to
recognise and load it, how physical values become model states and back (standardisation,
seasonal anomalies, ``(sin, cos)`` angles, tiles and land masks), how a forecast becomes a CF
Dataset, its quick-look plot and summary table, the built-in tasks it registers and its extra
``idff-ts data ...`` commands. The shared functions (:func:`idff_ts.fit`,
:func:`idff_ts.forecast`, :func:`idff_ts.evaluate`, the CLI) are generic: they ask the registry
(:mod:`idff_ts.domains`) which domain handles the input or the model and delegate to it. None of
them names a domain.

The generic path is itself a domain (``series``: any xarray/pandas series a user brings); the
others override only what differs (architecture.md §2.4).

Adding a domain is one folder plus one line::

    # idff_ts/domains/mydomain/__init__.py
    class MyDomain(Domain):
        name = "mydomain"
        def accepts_data(self, data, var=None): ...
        def encode(self, data, **options): ...      # physical -> model states
        def decode(self, forecast, model, source): ...  # model states -> CF Dataset

    # idff_ts/domains/__init__.py (the registration line)
    register_domain(MyDomain())

or, from outside the package, ``idff_ts.domains.register_domain(MyDomain())``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from idff_ts.model import Forecaster


class Domain:
    """Base class of a kind of data; the defaults are the generic ``series`` behaviour.

    Attributes:
        name: registry key, stored in a trained model's ``data_info["domain"]``.
        priority: when several domains accept an input, the highest priority wins (the generic
            ``series`` domain has the lowest and accepts everything with a time dimension).
    """

    name: str = "base"
    priority: int = 0

    # ------------------------------------------------------------------ recognising inputs
    def accepts_data(self, data: Any, var: str | None = None) -> bool:
        """Whether this domain handles ``data`` (for :func:`idff_ts.fit` / a model-less call)."""
        return False

    def owns_model(self, data_info: dict[str, Any]) -> bool:
        """Whether a trained model (its ``data_info``) belongs to this domain."""
        return data_info.get("domain") == self.name

    def default_model(self, data: Any, var: str | None = None) -> Path | None:
        """A checkpoint to use when the user gives none (e.g. a bundled demo), or ``None``."""
        return None

    # ------------------------------------------------------------------ training / forecasting
    def fit(self, data: Any, **options: Any) -> Forecaster:
        """Train on ``data`` (physical units); the returned model's ``data_info["domain"]``
        is this domain's name. Domains encode the data, call the generic trainer
        (:mod:`idff_ts.training`) and store what :meth:`forecast` needs to decode."""
        raise NotImplementedError

    def forecast(self, data: Any, model: Forecaster, **options: Any) -> xr.Dataset:
        """Ensemble forecast of ``data`` (physical units) with ``model``: encode the context
        windows, sample with the generic rollout, decode to a CF Dataset."""
        raise NotImplementedError

    # ------------------------------------------------------------------ presentation
    def summary(self, forecast: xr.Dataset) -> pd.DataFrame | None:
        """A small table (e.g. ensemble mean and spread per lead) printed by the CLI."""
        return None

    def quicklook(self, forecast: xr.Dataset, path: Path) -> Path | None:
        """Write a quick-look figure of ``forecast`` to ``path``; ``None`` if the domain has
        none."""
        return None

    # ------------------------------------------------------------------ registration
    def tasks(self) -> Iterable[Any]:
        """The built-in :class:`~idff_ts.tasks.Task` objects this domain registers."""
        return ()

    def cli_commands(self) -> Iterable[Any]:
        """Extra CLI pieces (typer apps or commands) added under ``idff-ts data``."""
        return ()
