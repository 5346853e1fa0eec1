"""Forecasting methods over a shared backbone; extend by registering in :data:`METHODS`.

``idff`` (the product), the baselines of method.md §5 (``ot-cfm``, ``ddpm`` with DDPM-ancestral
and DDIM sampling, ``dyffusion``; ``i-cfm``, OT-CFM without the OT coupling, as a diagnostic) and the reference forecasts ``persistence`` and
``climatology`` and ``prob-persistence`` (persistence plus climatological increments; no
network, set from the training data). ``ot-cfm-marginal`` is an ablation, not a baseline.
"""

from __future__ import annotations

from idff_ts.methods.base import (
    LossOutput,
    Method,
    SlotBatch,
    WindowResult,
    draw_slots,
    masked_mean,
)
from idff_ts.methods.ddpm import DDPM
from idff_ts.methods.dyffusion import DYffusion
from idff_ts.methods.idff import IDFF
from idff_ts.methods.otcfm import ICFM, OTCFM, MarginalOTCFM
from idff_ts.methods.prob_persistence import ProbabilisticPersistence
from idff_ts.methods.reference import Climatology, Persistence

METHODS: dict[str, type[Method]] = {
    "idff": IDFF,
    "ot-cfm": OTCFM,
    "i-cfm": ICFM,
    "ot-cfm-marginal": MarginalOTCFM,
    "ddpm": DDPM,
    "dyffusion": DYffusion,
    "persistence": Persistence,
    "prob-persistence": ProbabilisticPersistence,
    "climatology": Climatology,
}

__all__ = [
    "DDPM",
    "ICFM",
    "IDFF",
    "METHODS",
    "MarginalOTCFM",
    "OTCFM",
    "Climatology",
    "DYffusion",
    "LossOutput",
    "Method",
    "Persistence",
    "ProbabilisticPersistence",
    "SlotBatch",
    "WindowResult",
    "draw_slots",
    "masked_mean",
]
