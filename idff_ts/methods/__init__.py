"""Forecasting methods over a shared backbone; extend by registering in :data:`METHODS`."""

from __future__ import annotations

from idff_ts.methods.base import LossOutput, Method, SlotBatch, draw_slots, masked_mean
from idff_ts.methods.idff import IDFF

METHODS: dict[str, type[Method]] = {"idff": IDFF}

__all__ = ["IDFF", "METHODS", "LossOutput", "Method", "SlotBatch", "draw_slots", "masked_mean"]
