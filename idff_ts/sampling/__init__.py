"""Samplers: the IDFF bridge sampler, SDE/ODE adapters, rollout and ensembles."""

from __future__ import annotations

from idff_ts.sampling.bridge import SampleResult, bridge_step, sample_bridge, time_grid
from idff_ts.sampling.counting import CountingField
from idff_ts.sampling.noise import MemberNoise, member_seeds
from idff_ts.sampling.rollout import EnsembleResult, forecast_ensemble

__all__ = [
    "CountingField",
    "EnsembleResult",
    "MemberNoise",
    "SampleResult",
    "bridge_step",
    "forecast_ensemble",
    "member_seeds",
    "sample_bridge",
    "time_grid",
]
