"""Reusing or continuing the trainings of an earlier run in the same ``--work`` folder
(``run.py --resume``).

A training is defined by its method, the configuration overrides of its row (σ, β, schedule,
dropout, ``method_options`` …), its validation sampler (NFE, γ1, solver), its seed and the
task's training settings; the epoch cap is the one thing a rerun may change. With the early
stopping of the leaderboard (``PATIENCE`` epochs without a better validation CRPS), a training
under cap ``C2`` is a training under cap ``C1`` continued, so the folder's checkpoints decide:

- ``model.pt`` of the same definition and the same cap: **reused**;
- ``model.pt`` of a training that early stopping ended (fewer epochs than its cap) within the
  new cap: **reused** (a higher cap would not have changed it);
- ``model.pt`` of a training that ran to a lower cap, or only a ``last.ckpt`` (an interrupted
  run): **continued** from ``last.ckpt`` with the new cap. Lightning restores the epoch, step,
  optimiser, EMA and early-stopping state, and the training order of epoch ``e`` depends on
  ``(seed, e)`` only (:mod:`idff_ts.training.datamodule`); the draws of ``t`` and noise after the
  restart come from a fresh stream, so the continuation is an equally valid training, not a
  bitwise copy of an uninterrupted one;
- anything else (another definition, a lower cap than the training ran to): **trained afresh**.

Every result records which of these happened (``training.resume``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFINING_SAMPLER = ("nfe", "gamma1", "solver")


def _finished(out: Path) -> dict[str, Any] | None:
    """The definition stored in ``out/model.pt`` (``None``: absent)."""
    if not (out / "model.pt").is_file():
        return None
    from idff_ts.training.checkpoint import read_config

    cfg = read_config(out / "model.pt")
    return {"method": cfg["method"], "model": cfg["model"], "sampler": cfg["sampler"],
            "train": cfg["extra"]["train"], "history": cfg["extra"]["val_history"]}


def _last(out: Path) -> dict[str, Any] | None:
    """The definition stored in ``out/last.ckpt`` (``None``: absent). Read only when needed:
    the file holds the weights and optimiser state too."""
    if not (out / "last.ckpt").is_file():
        return None
    from idff_ts.training.checkpoint import safe_torch_load

    meta = json.loads(safe_torch_load(out / "last.ckpt").get("idff_ts", "{}"))
    if not meta:
        return None
    return {"method": meta["method"], "model": meta["model"], "sampler": meta["val_sampler"],
            "train": meta["train"], "history": meta.get("val_history", [])}


def _epochs(stored: dict[str, Any]) -> int:
    return 1 + max((h["epoch"] for h in stored["history"]), default=-1)


def same_definition(stored: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether ``stored`` (a checkpoint's definition) is the training ``want`` describes:
    method, the overridden model fields, the validation sampler, and every training setting
    given (seed included) but the epoch cap."""
    if stored["method"] != want["method"]:
        return False
    model = stored["model"]
    if any(_plain(model.get(k)) != _plain(v) for k, v in want["model"].items()):
        return False
    if any(_plain(stored["sampler"].get(k)) != _plain(want["sampler"][k])
           for k in DEFINING_SAMPLER):
        return False
    return all(_plain(stored["train"].get(k)) == _plain(v)
               for k, v in want["train"].items() if k != "max_epochs")


def _plain(value: Any) -> Any:
    """JSON's view of a value (tuples become lists, numbers compare as floats)."""
    value = json.loads(json.dumps(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return float(value)


def plan(out: Path, want: dict[str, Any], cap: int) -> tuple[str, Path | None]:
    """``("reuse", model.pt)``, ``("continue", last.ckpt)`` or ``("fresh", None)`` (module
    docstring) for the training ``want`` under epoch cap ``cap`` in folder ``out``."""
    finished = _finished(out)
    if finished is not None and same_definition(finished, want):
        ran_to, epochs = int(finished["train"]["max_epochs"]), _epochs(finished)
        if ran_to == cap or (epochs < ran_to and epochs <= cap):
            return "reuse", out / "model.pt"
        if ran_to > cap:
            return "fresh", None
    last = _last(out)
    if last is not None and same_definition(last, want) and _epochs(last) < cap:
        return "continue", out / "last.ckpt"
    return "fresh", None


def find(out: Path, want: dict[str, Any], cap: int) -> tuple[Path, str, Path | None]:
    """``out`` or the sibling folder of the same row and seed (``<row>__c<N>__seed<S>``, ``N``
    depends on the order rows ran in) whose checkpoints are this training, with :func:`plan`'s
    answer for it; ``out`` and ``fresh`` when none is."""
    mode, path = plan(out, want, cap)
    if mode != "fresh":
        return out, mode, path
    row, seed = out.name.rpartition("__c")[0], out.name.rpartition("__")[2]  # "seed0"
    for other in sorted(out.parent.glob(f"{row}__c*__{seed}")):
        if other != out:
            mode, path = plan(other, want, cap)
            if mode != "fresh":
                return other, mode, path
    return out, "fresh", None


__all__ = ["find", "plan", "same_definition"]
