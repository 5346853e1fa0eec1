"""CF and provenance metadata of every output (data.md §1).

:func:`provenance_attrs` builds the global attributes every output carries: ``Conventions``,
``title``, ``source`` (model + checkpoint sha256), ``history`` (UTC timestamp + command),
``idff_ts_version``, ``seed``, ``ensemble_size``, the sampler settings (σ, γ1, γ2, NFE) and the
normalisation.
"""

from __future__ import annotations

import datetime as _dt
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from idff_ts.model import Forecaster

CONVENTIONS = "CF-1.8"


def history_line(command: str | None = None) -> str:
    """``"<UTC ISO timestamp>: <command>"``; the command defaults to this process's argv."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if command is None:
        argv = list(sys.argv)
        if argv:
            argv[0] = Path(argv[0]).name
        command = shlex.join(argv) if argv else "python"
    return f"{now}: {command}"


def provenance_attrs(
    forecaster: Forecaster | None = None,
    *,
    title: str = "idff-ts output",
    seed: int | None = None,
    ensemble_size: int | None = None,
    sampler: Any = None,
    command: str | None = None,
    history: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Global attributes of an output file (data.md §1).

    Args:
        forecaster: the model used; gives ``source`` (method + checkpoint sha256), σ, the
            sampler defaults and the normalisation.
        title: the file's ``title``.
        seed, ensemble_size: the run's base seed and number of members.
        sampler: the :class:`~idff_ts.config.SamplerConfig` actually used (default: the
            forecaster's).
        command: the command line for ``history`` (default: ``sys.argv``).
        history: an existing ``history`` to append to (newest line first, as NCO does).
        extra: more attributes (``None`` values are dropped when writing).
    """
    from idff_ts import __version__

    attrs: dict[str, Any] = {"Conventions": CONVENTIONS, "title": title}
    line = history_line(command)
    attrs["history"] = f"{line}\n{history}" if history else line
    attrs["idff_ts_version"] = __version__
    if forecaster is not None:
        cfg = forecaster.cfg
        sha = forecaster.sha256 or "not saved"
        attrs["source"] = (
            f"idff-ts {__version__}, method {forecaster.method.name} "
            f"({cfg.backbone} backbone, context {cfg.context}, horizon {cfg.horizon}), "
            f"checkpoint sha256 {sha}"
        )
        attrs["checkpoint_sha256"] = forecaster.sha256 or ""
        attrs["method"] = forecaster.method.name
        attrs["sampler_sigma"] = float(cfg.sigma)
        sampler = sampler or forecaster.sampler
        mean = np.asarray(forecaster.mean, dtype=np.float64)
        std = np.asarray(forecaster.std, dtype=np.float64)
        attrs["normalisation"] = (
            "z = (y - normalisation_mean) / normalisation_std, statistics of the training "
            f"split with shape {list(mean.shape)} broadcast over the state"
        )
        attrs["normalisation_mean"] = mean.ravel()
        attrs["normalisation_std"] = std.ravel()
        task = forecaster.data_info.get("task")
        if task:
            attrs["task"] = str(task)
    else:
        attrs["source"] = f"idff-ts {__version__}"
    if sampler is not None:
        attrs["sampler_nfe"] = int(sampler.nfe)
        attrs["sampler_gamma1"] = float(sampler.gamma1)
        attrs["sampler_gamma2"] = float(sampler.gamma2)
        attrs["sampler_schedule"] = str(sampler.schedule)
        attrs["sampler_endpoint"] = str(sampler.endpoint)
    if seed is not None:
        attrs["seed"] = int(seed)
    if ensemble_size is not None:
        attrs["ensemble_size"] = int(ensemble_size)
    attrs.update({k: v for k, v in extra.items() if v is not None})
    return attrs



__all__ = ["CONVENTIONS", "history_line", "provenance_attrs"]
