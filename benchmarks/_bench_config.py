"""What the benchmark runs: the leaderboard rows, each method's validation search space and
the profiles (evaluation.md §3, "a fair contest").

Rules every learned method follows (issue 11 item 3):

- **output**: ``residual`` for every method (a residual on the source state with a
  zero-initialised output layer, :mod:`idff_ts.methods.output`); IDFF and DYffusion cannot do
  otherwise, so the same choice is fixed for all rather than searched for some.
- **training budget**: early stopping on validation CRPS with the same ``PATIENCE`` and the same
  epoch cap per task (``cap_epochs``); each result records the best epoch and whether the cap
  was hit.
- **tuning budget**: ``N_CONFIGS`` configurations of the method's own knobs, scored on the
  validation split with the row's own sampler at its reported NFE, searched with training seed
  0; the chosen one is retrained with the other seeds. Every configuration tried and its
  validation CRPS are written to the result files.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

PATIENCE = 5
N_CONFIGS = 3
STAT_ROWS = ("autoarima", "autoets")
REFERENCE_ROWS = ("persistence", "prob-persistence", "climatology")


@dataclasses.dataclass(frozen=True)
class RowSpec:
    """A leaderboard row: a registered method, its sampler (solver) and the NFE reported.

    ``val_nfe`` is the sampler setting used for validation (checkpoint selection and the
    configuration search): always the reported one.
    """

    label: str
    method: str
    solver: str = "auto"
    nfe: int = 1

    @property
    def val_nfe(self) -> int:
        return self.nfe


def rows(profile: str) -> dict[str, RowSpec]:
    specs = [
        RowSpec("idff", "idff", "auto", 5),
        RowSpec("ot-cfm-euler", "ot-cfm", "euler", 5),
        RowSpec("i-cfm-euler", "i-cfm", "euler", 5),
        RowSpec("ddpm-ddim", "ddpm", "ddim", 5),
        RowSpec("ddpm-ancestral", "ddpm", "ancestral", 20),
        RowSpec("dyffusion", "dyffusion", "cold", 1),
        *(RowSpec(r, r) for r in REFERENCE_ROWS),
        *(RowSpec(r, r) for r in STAT_ROWS),
    ]
    if profile == "smoke":
        specs = [dataclasses.replace(s, nfe=min(s.nfe, 2)) if s.method != "ddpm" else s
                 for s in specs]
    return {s.label: s for s in specs}


def configurations(spec: RowSpec, task_model: dict[str, Any], horizon: int) -> list[dict[str, Any]]:
    """The ``N_CONFIGS`` configurations of ``spec``'s own knobs: ``model`` (ModelConfig
    overrides, incl. ``method_options``) and ``gamma1`` (IDFF's sampler knob)."""
    sigma = float(task_model.get("sigma", 0.5))
    res = {"output": "residual"}
    m = spec.method
    if m == "idff":
        out = [({"sigma": sigma}, 0.0), ({"sigma": sigma}, 2.0), ({"sigma": sigma / 2}, 0.0)]
        return [{"model": {**mo, "method_options": res}, "gamma1": g} for mo, g in out]
    if m == "ot-cfm":
        grid = [(0.01, 1.0), (0.01, 10.0), (0.1, 10.0)]
        return [{"model": {"method_options": {**res, "sigma": s, "beta": b}}, "gamma1": 0.0}
                for s, b in grid]
    if m == "i-cfm":
        return [{"model": {"method_options": {**res, "sigma": s}}, "gamma1": 0.0}
                for s in (0.01, 0.1, 0.3)]
    if m == "ddpm":
        grid = [("cosine-zsnr", "v", "trailing"), ("cosine", "eps", "leading"),
                ("cosine-zsnr", "x1", "trailing")]
        return [{"model": {"method_options": {**res, "schedule": a, "prediction": b, "spacing": c}},
                 "gamma1": 0.0} for a, b, c in grid]
    if m == "dyffusion":
        half = max(1, math.ceil(horizon / 2))
        grid = [(0.15, horizon), (0.3, horizon), (0.15, half)]
        return [{"model": {"dropout": p, "method_options": {**res, "h": h}}, "gamma1": 0.0}
                for p, h in grid]
    return [{"model": {}, "gamma1": 0.0}]


PROFILES: dict[str, dict[str, Any]] = {
    # Sized for a shared 2-core CPU; each entry states what differs from the task's defaults.
    # ``cap_epochs``: the same epoch cap for every method of the task (early stopping with
    # PATIENCE decides), ``limit_train_batches`` as the task's own.
    "quick": {
        "seeds": (0, 1, 2),
        "members": 20,
        "tasks": {
            "lorenz63": {"train": {"max_epochs": 40}, "test_stride": 20},
            "rossler": {"train": {"max_epochs": 40}, "test_stride": 20},
            "sst-wa4": {"train": {"max_epochs": 30, "limit_train_batches": 30, "val_inits": 48,
                                  "val_members": 12}, "test_stride": 4},
            "polyala": {"train": {"max_epochs": 60}, "test_stride": 5},
            "sst-demo": {"train": {"max_epochs": 100, "limit_train_batches": 30, "val_inits": 4,
                                   "val_members": 8, "val_batch_size": 4},
                         "test_stride": 45, "members": 8},
        },
    },
    # Seconds: checks the plumbing (tests, CI); its numbers mean nothing.
    "smoke": {
        "seeds": (0, 1),
        "members": 4,
        "tasks": {"lorenz63": {"train": {"max_epochs": 2, "limit_train_batches": 2, "val_inits": 4,
                                         "val_members": 4}, "test_stride": 150}},
    },
    "paper": {
        "seeds": (0, 1, 2),
        "members": 50,
        "tasks": {"lorenz63": {}, "rossler": {}, "sst-wa4": {}, "polyala": {}, "sst-demo": {},
                  "sst-etp": {}},
    },
}
