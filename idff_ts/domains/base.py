"""The domain interface: one small class every kind of data implements in one folder.

A *domain* (``idff_ts/domains/<name>/``) owns everything specific to one kind of data: how to
recognise and load it, how physical values become model states and back (standardisation,
seasonal anomalies, ``(sin, cos)`` angles, tiles and land masks), how a forecast becomes a CF
Dataset, its quick-look plot and summary, the built-in tasks it registers and its extra
``idff-ts data ...`` commands. The shared functions (:func:`idff_ts.fit`,
:func:`idff_ts.forecast`, :func:`idff_ts.evaluate`, the CLI) are generic: they ask the registry
(:mod:`idff_ts.domains`) which domain handles the input, the model or the task and delegate to
it. None of them names a domain.

A forecast is always the same three steps (:meth:`Domain.forecast`)::

    encoded  = domain.encode(data, model, request)      # physical → model states (N, L, *state)
    ensemble = sample_ensemble(model, encoded, run)      # generic: Forecaster.predict, M members
    dataset  = domain.decode(encoded, ensemble, model)   # model states → physical CF Dataset

The generic path for labelled series is :class:`idff_ts.domains.series.SeriesDomain`; a variant
overrides only what differs (architecture.md §2.4). Adding a domain is one folder plus one
registration line in :mod:`idff_ts.domains` (or ``register_domain(MyDomain())`` from outside
the package); see ``docs/src/architecture.md`` for a worked example. Domain modules import
from :mod:`idff_ts.domains.base` and :mod:`idff_ts.domains.registry`, never from the package
:mod:`idff_ts.domains` itself (its ``__init__`` imports every domain: that would be a cycle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.forecasting.ensemble import Encoded, Ensemble, EnsembleSettings
    from idff_ts.model import Forecaster
    from idff_ts.tasks import Task


@dataclass(frozen=True)
class CliOption:
    """A flag a domain adds to a generic command (``idff-ts train`` or ``idff-ts forecast``).

    The CLI shows it under "Domain options" and hands its value to the domain that owns the
    task or model, as ``options[key]`` (``None`` when absent) of :class:`TrainRequest` or of
    :meth:`Domain.forecast_options`. No CLI types here: the CLI builds the flag from these
    fields. Several domains may declare the same flag; the first declaration (highest
    priority) gives its help.
    """

    flag: str  # "--box"
    help: str
    type: type = str  # str, int, float or bool
    default: Any = None

    @property
    def key(self) -> str:
        """The flag's name in ``options``: ``--train-period`` → ``train_period``."""
        return self.flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class ForecastRequest:
    """What the caller of :func:`idff_ts.forecast` asked for, besides the ensemble settings.

    ``options`` holds the domain's own keyword options (e.g. ``boxes=`` for SST tiles); a
    domain refuses options it does not know with a :class:`~idff_ts.errors.ConfigError`.
    """

    init: Any = None
    days: float | None = None
    horizon: int | None = None
    var: str | None = None
    time_dim: str = "time"
    series_dim: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class TrainRequest:
    """``idff-ts train`` after the CLI has parsed its flags (no CLI types inside).

    ``model`` / ``train`` hold the config-file sections merged with flag overrides (``train``
    always has ``seed``); ``context`` / ``horizon`` are the flags, ``file_context`` /
    ``file_horizon`` the config file's values; ``options`` the values of the flags the registered
    domains add to ``idff-ts train`` (:meth:`Domain.cli_options`), ``None`` when absent.
    """

    task: Task | None
    data: str | None
    var: str | None
    val_data: str | None
    context: int | None
    horizon: int | None
    file_context: int | None
    file_horizon: int | None
    model: dict[str, Any]
    train: dict[str, Any]
    options: dict[str, Any]
    out_dir: Path | None
    resume_from: Path | None
    accelerator: str
    devices: Any
    progress: bool
    strategy: Any = "auto"
    num_nodes: int = 1


@dataclass
class TrainOutcome:
    """What :meth:`Domain.train_from_cli` trained, for the CLI's checkpoint notes and summary."""

    model: Forecaster
    name: str  # the run's name (task or file stem)
    out_dir: Path
    cli_extra: dict[str, Any]  # stored under ``extra["cli"]`` (besides command, wall time)
    window: str  # "context / horizon" line of the summary, e.g. "1 / 7"
    source_args: str  # flags naming the data in the "next: idff-ts forecast ..." hint
    notes: list[str] = field(default_factory=list)  # lines printed after the summary


@dataclass
class ForecastInput:
    """The input of ``idff-ts forecast`` chosen by :meth:`Domain.forecast_input`."""

    data: Any  # what :func:`idff_ts.forecast` receives
    source: str  # the ``input_data`` attribute of the output
    task: Task | None = None
    time_dim: str = "time"  # the time dim of ``data``


class Domain:
    """Base class of a kind of data.

    Attributes:
        name: registry key, stored in a trained model's ``data_info["domain"]``.
        priority: when several domains accept an input, the highest priority wins (the generic
            ``series`` domain has the lowest and accepts everything).
    """

    name: str = "base"
    priority: int = 0

    # ------------------------------------------------------------------ recognising inputs
    def accepts_data(self, data: Any, var: str | None = None) -> bool:
        """Whether this domain handles ``data`` (for :func:`idff_ts.fit` / a model-less call)."""
        return False

    def owns_model(self, data_info: Mapping[str, Any]) -> bool:
        """Whether a trained model (its ``data_info``) belongs to this domain. Domains also
        recognise their older checkpoints (no ``"domain"`` key) by their own keys."""
        return data_info.get("domain") == self.name

    def owns_task(self, task: Task) -> bool:
        """Whether ``idff-ts train --task`` of ``task`` goes through this domain."""
        return any(t.name == task.name for t in self.tasks())

    def default_model(self, data: Any, var: str | None = None) -> Path | None:
        """A checkpoint to use when the user gives none (e.g. a bundled demo), or ``None``.

        ``data`` is what the user passed: an xarray object (Python API), a path or glob string
        (CLI ``--data``) or ``None`` (no input at all). A domain that answers logs why.
        """
        return None

    def default_model_inputs(self) -> str | None:
        """The data :meth:`default_model` answers for, in a few words (``"OISST 'sst'"``), for
        the message when an input has no default model; ``None`` when it never answers."""
        return None

    # ------------------------------------------------------------------ physical <-> model
    def encode(self, data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
        """Physical input → the model's context windows ``(N, L, *state)`` and the horizon."""
        raise NotImplementedError(f"domain {self.name!r} does not implement encode")

    def decode(self, encoded: Encoded, ensemble: Ensemble, model: Forecaster) -> xr.Dataset:
        """Sampled model states ``(M, N, K, *state)`` → the CF Dataset in physical units."""
        raise NotImplementedError(f"domain {self.name!r} does not implement decode")

    def forecast(
        self, data: Any, model: Forecaster, request: ForecastRequest, run: EnsembleSettings
    ) -> xr.Dataset:
        """Ensemble forecast: :meth:`encode` → generic sampling → :meth:`decode`."""
        from idff_ts.forecasting.ensemble import sample_ensemble

        run.check()
        encoded = self.encode(data, model, request)
        return self.decode(encoded, sample_ensemble(model, encoded, run), model)

    # ------------------------------------------------------------------ training
    def fit(self, data: Any, **options: Any) -> Forecaster:
        """Train on ``data`` (physical units) with :func:`idff_ts.fit`'s options; the model's
        ``data_info`` lets :meth:`owns_model` recognise it."""
        raise NotImplementedError(f"domain {self.name!r} does not implement fit")

    def fit_defaults(self) -> dict[str, Any]:
        """Values :func:`idff_ts.fit` (and ``idff-ts train --data``) use for the ``context`` /
        ``horizon`` the user left out (``None``); a domain that chooses them itself (on
        validation) returns none."""
        return {"context": 1, "horizon": 7}

    def fit_options(self) -> tuple[str, ...]:
        """Names of the extra keyword options of :func:`idff_ts.fit` this domain's :meth:`fit`
        takes (``tune``, ``trend``, ...); :func:`idff_ts.fit` refuses the others, when given."""
        return ()

    def fit_notes(self, model: Forecaster) -> list[str]:
        """Lines ``idff-ts train`` prints about a model this domain fitted (what it chose)."""
        return []

    def train_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Values of the domain flags of ``idff-ts train --data`` (``None`` when absent) →
        keyword options of :meth:`fit`; refuse a flag that does not apply."""
        given = sorted(k for k, v in options.items() if v is not None)
        if given:
            from idff_ts.errors import UsageError

            flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
            raise UsageError(f"{flags} go with a task whose kind of data takes them (see 'Domain "
                             "options' in idff-ts train --help), not with this data")
        return {}

    def train_from_cli(self, request: TrainRequest) -> TrainOutcome:
        """``idff-ts train`` for this domain's tasks or data (see :class:`TrainRequest`)."""
        raise NotImplementedError(f"domain {self.name!r} has no `idff-ts train` path")

    # ------------------------------------------------------------------ CLI forecast
    def forecast_input(
        self, model: Forecaster, data: str | None, var: str | None, task: Task | None
    ) -> ForecastInput:
        """The input of ``idff-ts forecast --data/--task`` for ``model``."""
        raise NotImplementedError(f"domain {self.name!r} has no `idff-ts forecast` input")

    def forecast_inits(
        self, source: ForecastInput, model: Forecaster, inits: list[str],
        stride: int | None, horizon: int | None, days: float | None,
    ) -> Any:
        """``--init`` values (``[]``, ``["last"]``, ``["all"]`` or times) → ``init=``."""
        return None if not inits or inits == ["last"] else inits

    def forecast_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Values of the domain flags of ``idff-ts forecast`` (:meth:`cli_options`, ``None``
        when absent) → keyword options of :func:`idff_ts.forecast`; refuse a flag that does
        not apply."""
        given = sorted(k for k, v in options.items() if v is not None)
        if given:
            from idff_ts.errors import UsageError

            flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
            raise UsageError(f"{flags} does not apply to {self.name} checkpoints")
        return {}

    # ------------------------------------------------------------------ presentation
    def summary(self, forecast: xr.Dataset, written: list[Path]) -> list[Any]:
        """What ``idff-ts forecast`` prints after writing ``written`` files: rich tables and
        one-line strings, in order."""
        return []

    def quicklook(self, forecast: xr.Dataset, path: Path) -> Path | None:
        """Write a quick-look figure of ``forecast`` to ``path``; ``None`` if none."""
        return None

    # ------------------------------------------------------------------ registration
    def tasks(self) -> Iterable[Task]:
        """The built-in :class:`~idff_ts.tasks.Task` objects this domain registers."""
        return ()

    def task_aliases(self) -> Mapping[str, str]:
        """Other names of its tasks (``{"sst": "sst-etp"}``)."""
        return {}

    def cli_commands(self) -> Iterable[Any]:
        """``typer.Typer`` apps whose commands and groups are added under ``idff-ts data``."""
        return ()

    def cli_options(self, command: str) -> Iterable[CliOption]:
        """The flags this domain adds to the generic ``command`` (``"train"`` or
        ``"forecast"``); their values reach :meth:`train_from_cli` (``request.options``) and
        :meth:`forecast_options`."""
        return ()

    def cli_notes(self, command: str) -> Iterable[str]:
        """Paragraphs this domain adds to the help of the generic ``command``."""
        return ()


__all__ = ["CliOption", "Domain", "ForecastInput", "ForecastRequest", "TrainOutcome", "TrainRequest"]
