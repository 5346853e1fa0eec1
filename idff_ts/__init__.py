"""idff-ts: probabilistic forecasting with Implicit Dynamical Flow Fusion.

Importing the package registers the ``.idff`` accessor on xarray Datasets and DataArrays. Torch
is imported lazily, on first use of a name that needs it (``fit``, ``load_model``, ...)::

    import idff_ts
    model = idff_ts.fit(train_da, val=val_da, context=1, horizon=10)
    fc = idff_ts.forecast(da, model, horizon=10, members=20, seed=0)   # or da.idff.forecast(...)
    scores = idff_ts.evaluate(fc, truth)                               # or fc.idff.evaluate(truth)
    idff_ts.save_model("model.pt", model); model = idff_ts.load_model("model.pt")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from idff_ts import accessor as _accessor  # noqa: E402,F401  (registers .idff)
from idff_ts.errors import CheckpointError, ConfigError, DataError, IdffError  # noqa: E402

# ``idff_ts.forecast`` / ``idff_ts.evaluate`` are the functions; the accessor has already loaded
# their (torch-free) modules, so binding the names here replaces the submodule attributes.
forecast = importlib.import_module("idff_ts.forecast").forecast
evaluate = importlib.import_module("idff_ts.evaluate").evaluate

_LAZY: dict[str, tuple[str, str]] = {
    "fit": ("idff_ts.fitting", "fit"),
    "load_model": ("idff_ts.training.checkpoint", "load_checkpoint"),
    "save_model": ("idff_ts.training.checkpoint", "save_checkpoint"),
    "Forecaster": ("idff_ts.model", "Forecaster"),
    "ModelConfig": ("idff_ts.config", "ModelConfig"),
    "SamplerConfig": ("idff_ts.config", "SamplerConfig"),
    "TrainConfig": ("idff_ts.config", "TrainConfig"),
    "simulate_attractor": ("idff_ts.domains.attractors.simulate", "simulate_attractor"),
}

if TYPE_CHECKING:
    from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig
    from idff_ts.domains.attractors.simulate import simulate_attractor
    from idff_ts.fitting import fit
    from idff_ts.model import Forecaster
    from idff_ts.training.checkpoint import load_checkpoint as load_model
    from idff_ts.training.checkpoint import save_checkpoint as save_model


def __getattr__(name: str) -> Any:
    """Import the heavier public names (torch, Lightning) on first access."""
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataError",
    "Forecaster",
    "IdffError",
    "ModelConfig",
    "SamplerConfig",
    "TrainConfig",
    "__version__",
    "evaluate",
    "fit",
    "forecast",
    "load_model",
    "save_model",
    "simulate_attractor",
]
