"""Small, fast calendar-series fits: one thread, few validation origins, a tiny network."""

from __future__ import annotations

import pytest
from calendar_kit import TINY

from idff_ts.training import autotune as at


@pytest.fixture
def tiny(monkeypatch):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    monkeypatch.setattr(at, "MAX_VAL_ORIGINS", 4)
    yield TINY
    torch.set_num_threads(threads)
